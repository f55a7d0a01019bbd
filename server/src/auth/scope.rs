//! Region scope: which part of the region tree a user may see. Admins see everything; everyone else sees the
//! subtrees of their assigned regions.

/// One assigned region and its materialised path (`/330000/330200/330203/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRoot {
    pub code: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Subtrees(Vec<ScopeRoot>),
}

impl Scope {
    /// Whether the region at `path` lies inside this scope.
    pub fn covers_path(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtrees(roots) => roots.iter().any(|root| path.starts_with(&root.path)),
        }
    }

    /// Whether every one of `paths` lies inside this scope (and there is at least one).
    pub fn covers_all(&self, paths: &[String]) -> bool {
        !paths.is_empty() && paths.iter().all(|p| self.covers_path(p))
    }

    /// Whether the subtree at `path` shares any region with this scope (one contains the other).
    pub fn overlaps(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtrees(roots) => roots
                .iter()
                .any(|root| root.path.starts_with(path) || path.starts_with(&root.path)),
        }
    }

    /// The root paths, or `None` when the scope is unrestricted.
    pub fn paths(&self) -> Option<Vec<String>> {
        match self {
            Scope::All => None,
            Scope::Subtrees(roots) => Some(roots.iter().map(|r| r.path.clone()).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn haishu() -> Scope {
        Scope::Subtrees(vec![ScopeRoot {
            code: "330203".to_owned(),
            path: "/330000/330200/330203/".to_owned(),
        }])
    }

    #[test]
    fn subtree_scope_covers_descendants_only() {
        let scope = haishu();
        assert!(scope.covers_path("/330000/330200/330203/"));
        assert!(scope.covers_path("/330000/330200/330203/330203101/"));
        assert!(!scope.covers_path("/330000/330200/330225/"));
        assert!(!scope.covers_path("/330000/330200/"));
        assert!(Scope::All.covers_path("/anything/"));
    }

    #[test]
    fn covers_all_needs_every_path() {
        let scope = haishu();
        assert!(scope.covers_all(&["/330000/330200/330203/330203101/".to_owned()]));
        assert!(!scope.covers_all(&[
            "/330000/330200/330203/".to_owned(),
            "/330000/330200/330225/".to_owned()
        ]));
        assert!(!scope.covers_all(&[]));
    }

    #[test]
    fn overlap_works_both_ways() {
        let scope = haishu();
        assert!(scope.overlaps("/330000/330200/"));
        assert!(scope.overlaps("/330000/330200/330203/330203101/"));
        assert!(!scope.overlaps("/330000/330200/330225/"));
    }
}
