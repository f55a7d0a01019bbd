//! The browser apps, built by vite into `web/console/dist` (the supervisors' console) and `web/field/dist` (the
//! counsellors' field app) and embedded in the binary (see `build.rs`): their files, content types and caching, and
//! the Content-Security-Policy that pages are served with.

/// Every file of the built console, by its path below `dist/`.
static ASSETS: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/console_assets.rs"));

/// Every file of the built field app, by its path below `dist/`.
static FIELD_ASSETS: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/field_assets.rs"));

/// Where the console lives; `/` leads here.
pub const PREFIX: &str = "/console/";

/// Where the field app lives.
pub const FIELD_PREFIX: &str = "/field/";

pub struct Asset {
    pub bytes: &'static [u8],
    pub content_type: &'static str,
    /// Vite names files under `assets/` by their content's hash, so they never change.
    pub immutable: bool,
}

/// The console's file at `path`, or its page for any path that names no file (the console's own routes).
pub fn asset(path: &str) -> Option<Asset> {
    find(ASSETS, path)
}

/// The field app's file at `path`, or its page for the app's own routes.
pub fn field_asset(path: &str) -> Option<Asset> {
    find(FIELD_ASSETS, path)
}

fn find(assets: &'static [(&'static str, &'static [u8])], path: &str) -> Option<Asset> {
    let found = assets.iter().find(|(name, _)| *name == path);
    let (name, bytes) = match found {
        Some(file) => *file,
        // A missing file with an extension is a real 404, not a page (a stale chunk must not load HTML as script).
        None if path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.')) =>
        {
            return None;
        }
        None => *assets.iter().find(|(name, _)| *name == "index.html")?,
    };
    Some(Asset {
        bytes,
        content_type: content_type(name),
        immutable: name.starts_with("assets/"),
    })
}

/// The response for a built file: hashed files are kept for good, the page (which names the current build's files)
/// and the service worker are checked on every load; served with `policy` and the headers that keep pages unframed
/// and content types honest.
pub fn respond(asset: Asset, policy: String) -> actix_web::HttpResponse {
    use actix_web::http::header;
    let cache = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    actix_web::HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(asset.bytes)
}

/// Whether the binary was built with the console.
pub fn is_built() -> bool {
    ASSETS.iter().any(|(name, _)| *name == "index.html")
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        _ => "application/octet-stream",
    }
}

/// The origin (`https://host[:port]`) of a tile URL template, if it is one.
pub fn tile_origin(template: &str) -> Option<String> {
    let (scheme, rest) = template.split_once("://")?;
    if !matches!(scheme, "http" | "https")
        || !["{z}", "{x}", "{y}"].iter().all(|p| rest.contains(p))
    {
        return None;
    }
    let host = rest.split('/').next().filter(|h| !h.is_empty())?;
    let host_ok = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '{' | '}'));
    host_ok.then(|| format!("{scheme}://{host}"))
}

/// The policy for the console's pages: scripts and styles only from the server itself (Element Plus sets inline
/// style attributes, hence `'unsafe-inline'` for styles alone), images also from the map's tile service, nothing may
/// frame the console.
pub fn content_security_policy(tile_url: Option<&str>) -> String {
    let tiles = tile_url
        .and_then(tile_origin)
        .map(|origin| format!(" {}", origin.replace(['{', '}'], "")))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{tiles}; \
         font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The policy for the field app: like the console's, and automerge's WebAssembly may be compiled (`wasm-unsafe-eval`
/// allows compiling WebAssembly, not `eval`); photos are shown from `blob:` URLs; the service worker comes from the
/// server itself.
pub fn field_content_security_policy() -> String {
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; \
     manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_templates_give_their_origin_and_the_policy_allows_only_it() {
        assert_eq!(
            tile_origin("https://tiles.example.cn:8443/{z}/{x}/{y}.png").as_deref(),
            Some("https://tiles.example.cn:8443")
        );
        assert_eq!(tile_origin("javascript:alert(1)//{z}{x}{y}"), None);
        assert_eq!(tile_origin("https://tiles.example.cn/static.png"), None);
        assert_eq!(tile_origin("https://a b/{z}/{x}/{y}"), None);
        let policy = content_security_policy(Some("https://t.example.cn/{z}/{x}/{y}.png"));
        assert!(policy.contains("img-src 'self' data: blob: https://t.example.cn;"));
        assert!(policy.contains("script-src 'self';"));
        assert!(!content_security_policy(None).contains("https://"));
    }

    #[test]
    fn unknown_paths_are_the_app_and_missing_files_are_not() {
        if !is_built() {
            return;
        }
        let page = asset("reviews").expect("the app's page");
        assert_eq!(page.content_type, "text/html; charset=utf-8");
        assert!(!page.immutable);
        assert!(asset("assets/gone-0000.js").is_none());
    }
}
