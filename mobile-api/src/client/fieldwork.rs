//! Field work on the phone: the documents of the user's regions, visits and observations written offline, and the
//! sync that brings them to the server whenever a link appears.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use automerge::sync::State;
use automerge::{ActorId, Automerge, ChangeHash};
use hezuo_sync::document::{self, EditError};
use hezuo_sync::engine;
use hezuo_sync::model::{CooperativeDoc, DecisionRecord, Profile, ReviewState, Visit, VisitStatus};
use hezuo_sync::trust::{self, Writer};
use uuid::Uuid;

use super::docs::{DocInfo, DocStatus, DocStore, WriteLock};
use super::error::ClientError;
use super::phone::Phone;
use crate::Uscc;
use crate::coverage::{CooperativeCoverage, CoverageQuery};
use crate::sync::{DocEntry, DocErrorCode, SYNC_PROTOCOL, Summary, SyncRequest};
use crate::users::Role;

/// Exchanges per sync call before giving up on a document that keeps talking.
const MAX_ROUNDS: usize = 8;

/// What a pull changed locally.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullSummary {
    pub documents: usize,
    pub added: usize,
    pub removed: usize,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub round_trips: usize,
    /// Documents whose local copy changed (the server sent news).
    pub updated: BTreeSet<Uuid>,
    /// Documents the server took changes of.
    pub sent: BTreeSet<Uuid>,
    /// Documents with an error or a refusal, and why.
    pub problems: BTreeMap<Uuid, DocStatus>,
}

/// A visit with how it stands with the server.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitRecord {
    pub cooperative_id: Uuid,
    pub id: Uuid,
    pub visit: Visit,
    pub status: RecordStatus,
}

/// A visit a reviewer returned to this phone's user for correction: fix it (offline is fine), then submit it again.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    pub visit_id: Uuid,
    /// What the reviewer asks to fix.
    pub note: Option<String>,
    pub reviewer_name: Option<String>,
    /// When it was returned (server clock, milliseconds since the epoch).
    pub returned_at: Option<i64>,
    pub times_returned: u32,
    /// Submitted again on this phone; the return stands until the next sync takes the visit back to review.
    pub resubmitted: bool,
}

/// A cooperative that a supervisor's clean-up decision or disposal plan asks to visit again, as of the last sync.
#[derive(Debug, Clone, PartialEq)]
pub struct Revisit {
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    /// The decided clean-up state (`dormant_recoverable`, ...).
    pub state: Option<String>,
    pub state_zh: Option<String>,
    /// Why, and what the re-visit is for.
    pub note: Option<String>,
    pub decided_by_name: Option<String>,
}

/// A cooperative's star as the server last told this phone: held, revoked, or barred after a falsified application.
#[derive(Debug, Clone, PartialEq)]
pub struct StarStanding {
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    /// The record itself: `outcome` is `1`…`5`, `revoked` or `barred`; `note` says the year, the cause and the bar.
    pub record: DecisionRecord,
}

/// Per-record sync status, for the app to show next to each visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordStatus {
    Synced,
    /// Saved on the phone, not yet on the server.
    Pending,
    /// Being sent right now.
    Syncing,
    Error(String),
    Quarantined(String),
}

/// Exponential backoff between sync attempts: 2 s doubling up to about 5 minutes, with ±20 % jitter so that phones
/// which lost the link together do not return together.
#[derive(Debug, Clone)]
pub struct Backoff {
    failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

impl Backoff {
    pub const CAP: Duration = Duration::from_secs(300);

    pub fn new() -> Self {
        Self { failures: 0 }
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// Records a failure and says how long to wait before the next attempt.
    pub fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let base = 2f64 * 2f64.powi(self.failures.saturating_sub(1).min(16) as i32);
        let jitter = 0.8 + 0.4 * rand_unit();
        Duration::from_secs_f64((base * jitter).min(Self::CAP.as_secs_f64()))
    }
}

fn rand_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    (hasher.finish() % 10_000) as f64 / 10_000.0
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn same_heads(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    let a: BTreeSet<&ChangeHash> = a.iter().collect();
    let b: BTreeSet<&ChangeHash> = b.iter().collect();
    a == b
}

impl Phone {
    fn doc_store(&self) -> Result<DocStore, ClientError> {
        Ok(DocStore::open(self.state_dir())?)
    }

    /// The document store, held for writing until the returned lock drops.
    fn doc_store_for_writing(&self) -> Result<(DocStore, WriteLock), ClientError> {
        let store = self.doc_store()?;
        let lock = store.lock_for_writing()?;
        Ok((store, lock))
    }

    /// The trust-boundary identity of this phone: its server-assigned actor, its account and device.
    fn writer(&self) -> Result<Writer, ClientError> {
        let session = self.session().ok_or(ClientError::NotLoggedIn)?;
        let device = session.device.as_ref().ok_or(ClientError::NotLoggedIn)?;
        let actor = hex::decode(&device.actor_id)
            .map(ActorId::from)
            .map_err(|_| ClientError::Invalid("the stored actor id is not hex".to_owned()))?;
        Ok(Writer {
            actor,
            other_actors: Default::default(),
            user_id: session.user.id.to_string(),
            device_id: device.id.to_string(),
            may_write: matches!(session.user.role, Role::Counsellor | Role::Admin),
        })
    }

    /// Fetches the list of cooperatives in the user's regions. New ones become local documents (at their genesis, so
    /// nothing is downloaded until they change); ones that left the scope are deleted unless they hold unsent work.
    pub fn pull(&mut self) -> Result<PullSummary, ClientError> {
        let (store, _writing) = self.doc_store_for_writing()?;
        let mut index = store.index()?;
        let mut summary = PullSummary::default();
        let mut cursor: Option<String> = None;
        let mut first = true;
        loop {
            let page = self.call(|client| client.manifest(cursor.as_deref()))?;
            if first {
                for id in &page.removed {
                    let doc = store.load(*id)?;
                    let state = store.load_state(*id)?;
                    if has_unsent(*id, &doc, &state) {
                        if let Some(info) = index.get_mut(id) {
                            info.status = DocStatus::OutOfScope {
                                message: "该合作社已不在您的负责范围内，本地未同步的内容已保留"
                                    .to_owned(),
                            };
                        }
                    } else {
                        store.remove(*id)?;
                        if index.remove(id).is_some() {
                            summary.removed += 1;
                        }
                    }
                }
                first = false;
            }
            for item in page.items {
                let entry = index.entry(item.cooperative_id).or_insert_with(|| {
                    summary.added += 1;
                    DocInfo::default()
                });
                entry.name = item.name;
                entry.region_code = item.region_code;
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        store.save_index(&index)?;
        summary.documents = index.len();
        self.pull_mine()?;
        Ok(summary)
    }

    /// Which cooperatives this user answers for and when each is due, kept for use without a link. A server without
    /// the coverage API leaves the last list; other failures are the caller's.
    fn pull_mine(&mut self) -> Result<(), ClientError> {
        let mut mine = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = CoverageQuery {
                counsellor: Some("me".to_owned()),
                status: None,
                limit: Some(500),
                cursor: cursor.clone(),
                ..CoverageQuery::default()
            };
            let page = match self.call(|client| client.coverage_cooperatives(&query)) {
                Ok(page) => page,
                Err(ClientError::Api(problem)) if problem.code == crate::ErrorCode::NotFound => {
                    return Ok(());
                }
                Err(error) => return Err(error),
            };
            mine.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        self.store.save_coverage(&mine)?;
        Ok(())
    }

    /// The cooperatives this user answers for, soonest due first, as of the last pull.
    pub fn my_cooperatives(&self) -> Result<Vec<CooperativeCoverage>, ClientError> {
        Ok(self.store.load_coverage()?)
    }

    /// The local documents with their names and sync status.
    pub fn cooperatives(&self) -> Result<BTreeMap<Uuid, DocInfo>, ClientError> {
        Ok(self.doc_store()?.index()?)
    }

    /// The local copy of a cooperative's document.
    pub fn document(&self, cooperative_id: Uuid) -> Result<CooperativeDoc, ClientError> {
        let doc = self.doc_store()?.load(cooperative_id)?;
        document::read(&doc)
            .map_err(|e| ClientError::Invalid(format!("document {cooperative_id}: {e}")))
    }

    /// Applies one edit as a commit by this device, checks it with the same rules the server applies, and stores it
    /// before returning. Nothing is saved when the check fails.
    pub(super) fn commit(
        &mut self,
        cooperative_id: Uuid,
        edit: impl FnOnce(&mut Automerge, i64) -> Result<Option<ChangeHash>, EditError>,
    ) -> Result<(), ClientError> {
        let (store, _writing) = self.doc_store_for_writing()?;
        self.commit_locked(&store, cooperative_id, edit)
    }

    /// [`Self::commit`] with the store already held for writing.
    fn commit_locked(
        &mut self,
        store: &DocStore,
        cooperative_id: Uuid,
        edit: impl FnOnce(&mut Automerge, i64) -> Result<Option<ChangeHash>, EditError>,
    ) -> Result<(), ClientError> {
        let writer = self.writer()?;
        let mut index = store.index()?;
        let info = index.get(&cooperative_id).ok_or_else(|| {
            ClientError::Invalid(format!(
                "合作社 {cooperative_id} 不在本机，请先同步列表（pull）"
            ))
        })?;
        if let Some(message) = info.status.blocked_because() {
            return Err(ClientError::Invalid(message.to_owned()));
        }
        let before = store.load(cooperative_id)?;
        let mut after = before.clone().with_actor(writer.actor.clone());
        let changed =
            edit(&mut after, now_ms()).map_err(|e| ClientError::Invalid(e.to_string()))?;
        if changed.is_none() {
            return Ok(());
        }
        let new_changes = trust::new_changes(&before, &after);
        trust::check_changes(cooperative_id, &before, &after, &new_changes, &writer)
            .map_err(ClientError::Refused)?;
        store.save(cooperative_id, &after)?;
        if let Some(info) = index.get_mut(&cooperative_id) {
            info.status = DocStatus::Pending;
            info.set_heads(&after.get_heads());
        }
        store.save_index(&index)?;
        Ok(())
    }

    /// Creates a cooperative found in the field that is not in the registry. The server registers it as pending
    /// verification when it syncs.
    pub fn create_cooperative(
        &mut self,
        name: &str,
        region_code: &str,
        uscc: Option<&Uscc>,
    ) -> Result<Uuid, ClientError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ClientError::Invalid("新合作社需要名称".to_owned()));
        }
        crate::RegionCode::parse(region_code).map_err(|e| ClientError::Invalid(e.message_zh()))?;
        let id = Uuid::now_v7();
        let (store, _writing) = self.doc_store_for_writing()?;
        let mut index = store.index()?;
        index.insert(
            id,
            DocInfo {
                name: name.to_owned(),
                region_code: region_code.to_owned(),
                status: DocStatus::Pending,
                created_here: true,
                ..DocInfo::default()
            },
        );
        store.save_index(&index)?;
        let profile = Profile {
            name: Some(name.to_owned()),
            region_code: Some(region_code.to_owned()),
            uscc: uscc.map(|u| u.to_string()),
            ..Profile::default()
        };
        let created = self.commit_locked(&store, id, |doc, time| {
            document::put_profile(doc, &profile, time)
        });
        if created.is_err() {
            index.remove(&id);
            store.save_index(&index)?;
        }
        created.map(|()| id)
    }

    /// Starts a visit (a draft) by this counsellor; returns its id.
    pub fn new_visit(
        &mut self,
        cooperative_id: Uuid,
        mut visit: Visit,
    ) -> Result<Uuid, ClientError> {
        let writer = self.writer()?;
        let id = Uuid::now_v7();
        visit.author_user_id = Some(writer.user_id);
        visit.author_device_id = Some(writer.device_id);
        visit.status = Some(VisitStatus::Draft);
        visit.created_at = Some(now_ms());
        self.commit(cooperative_id, |doc, time| {
            document::put_visit(doc, id, &visit, time)
        })?;
        Ok(id)
    }

    /// Changes a visit (the author's own only; the check refuses others).
    pub fn edit_visit(
        &mut self,
        cooperative_id: Uuid,
        visit_id: Uuid,
        edit: impl FnOnce(&mut Visit),
    ) -> Result<(), ClientError> {
        let mut visit = self
            .document(cooperative_id)?
            .visits
            .remove(&visit_id.to_string())
            .ok_or_else(|| ClientError::Invalid(format!("走访记录 {visit_id} 不存在")))?;
        edit(&mut visit);
        self.commit(cooperative_id, |doc, time| {
            document::put_visit(doc, visit_id, &visit, time)
        })
    }

    /// Submits a draft for review, or submits again a visit a reviewer returned (after fixing it): the new
    /// submission time tells the server it is a resubmission. Submitting twice is harmless.
    pub fn submit_visit(
        &mut self,
        cooperative_id: Uuid,
        visit_id: Uuid,
    ) -> Result<(), ClientError> {
        let document = self.document(cooperative_id)?;
        let returned = document
            .review
            .get(&visit_id.to_string())
            .filter(|review| review.state == Some(ReviewState::Returned));
        let resubmit = returned.is_some_and(|review| {
            document
                .visits
                .get(&visit_id.to_string())
                .and_then(|visit| visit.submitted_at)
                .is_none_or(|submitted| review.at.is_none_or(|returned| submitted <= returned))
        });
        self.edit_visit(cooperative_id, visit_id, |visit| {
            if visit.status != Some(VisitStatus::Submitted) || resubmit {
                visit.status = Some(VisitStatus::Submitted);
                // Strictly later than the submission that was returned, whatever the phone's clock says.
                let previous = visit.submitted_at.unwrap_or(0);
                visit.submitted_at = Some(now_ms().max(previous + 1));
            }
        })
    }

    /// The visits reviewers returned to this user for correction, with their notes, as of the last sync.
    pub fn tasks(&self) -> Result<Vec<Task>, ClientError> {
        let me = self.writer()?.user_id;
        let store = self.doc_store()?;
        let mut tasks = Vec::new();
        for (cooperative_id, info) in store.index()? {
            let Ok(typed) = document::read(&store.load(cooperative_id)?) else {
                continue;
            };
            for (visit_id, review) in &typed.review {
                let Some(visit) = typed.visits.get(visit_id) else {
                    continue;
                };
                if review.state != Some(ReviewState::Returned)
                    || visit.author_user_id.as_deref() != Some(me.as_str())
                {
                    continue;
                }
                let Ok(visit_id) = Uuid::parse_str(visit_id) else {
                    continue;
                };
                tasks.push(Task {
                    cooperative_id,
                    cooperative_name: typed.profile.name.clone().unwrap_or(info.name.clone()),
                    visit_id,
                    note: review.note.clone(),
                    reviewer_name: review.reviewer_name.clone(),
                    returned_at: review.at,
                    times_returned: review.times_returned.unwrap_or(1),
                    resubmitted: visit.status == Some(VisitStatus::Submitted)
                        && matches!((visit.submitted_at, review.at), (Some(s), Some(r)) if s > r),
                });
            }
        }
        tasks.sort_by_key(|task| task.returned_at);
        Ok(tasks)
    }

    /// The cooperatives due for a visit, soonest first: those whose `decisions.cleanup` record names a re-visit date
    /// (the server writes it when a supervisor decides a cooperative is dormant or plans targeted assistance), and
    /// those this user answers for that are overdue (never visited, or the last approved visit is too old).
    pub fn revisits(&self) -> Result<Vec<Revisit>, ClientError> {
        let mut due = Vec::new();
        let mut asked: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
        for (cooperative_id, cooperative_name, record) in self.decisions("cleanup")? {
            let Some(day) = &record.revisit_due else {
                continue;
            };
            asked.insert(cooperative_id);
            due.push(Revisit {
                cooperative_id,
                cooperative_name,
                due: day.as_str().to_owned(),
                state_zh: record
                    .outcome
                    .as_deref()
                    .and_then(hezuo_sync::model::CoopState::parse)
                    .map(|s| s.label_zh().to_owned()),
                state: record.outcome.clone(),
                note: record.note.clone(),
                decided_by_name: record.decided_by_name.clone(),
            });
        }
        for mine in self.my_cooperatives()? {
            if !mine.overdue || asked.contains(&mine.cooperative_id) {
                continue;
            }
            due.push(Revisit {
                cooperative_id: mine.cooperative_id,
                cooperative_name: mine.name,
                due: mine.due.to_string(),
                state: None,
                state_zh: None,
                note: Some(match mine.last_visit {
                    Some(day) => format!("我负责的合作社，上次审核通过的走访在{day}"),
                    None => "我负责的合作社，从未走访".to_owned(),
                }),
                decided_by_name: None,
            });
        }
        due.sort_by(|a, b| a.due.cmp(&b.due));
        Ok(due)
    }

    /// The star record of every cooperative on this phone that has one (as of the last sync), by name: what a
    /// counsellor should know before a visit — the star held, or that it was revoked or re-application is barred.
    pub fn stars(&self) -> Result<Vec<StarStanding>, ClientError> {
        let mut standings: Vec<StarStanding> = self
            .decisions("star")?
            .into_iter()
            .map(|(cooperative_id, cooperative_name, record)| StarStanding {
                cooperative_id,
                cooperative_name,
                record,
            })
            .collect();
        standings.sort_by(|a, b| a.cooperative_name.cmp(&b.cooperative_name));
        Ok(standings)
    }

    /// Each stored cooperative's `decisions` record under `key`, with its id and name. A document this SDK cannot
    /// read is passed over here; `status` reports it.
    fn decisions(&self, key: &str) -> Result<Vec<(Uuid, String, DecisionRecord)>, ClientError> {
        let store = self.doc_store()?;
        let mut found = Vec::new();
        for (cooperative_id, info) in store.index()? {
            let Ok(mut typed) = document::read(&store.load(cooperative_id)?) else {
                continue;
            };
            if let Some(record) = typed.decisions.remove(key) {
                let name = typed.profile.name.take().unwrap_or(info.name);
                found.push((cooperative_id, name, record));
            }
        }
        Ok(found)
    }

    /// The cooperative's star as the server last told this phone (the document's `decisions.star`): `outcome` is the
    /// star held (`1`…`5`), `revoked` or `barred`, with the year, cause and bar in `note`. `None` before any award.
    pub fn star(&self, cooperative_id: Uuid) -> Result<Option<DecisionRecord>, ClientError> {
        Ok(self.document(cooperative_id)?.decisions.remove("star"))
    }

    /// Changes the observed profile of a cooperative.
    pub fn edit_profile(
        &mut self,
        cooperative_id: Uuid,
        edit: impl FnOnce(&mut Profile),
    ) -> Result<(), ClientError> {
        let mut profile = self.document(cooperative_id)?.profile;
        edit(&mut profile);
        self.commit(cooperative_id, |doc, time| {
            document::put_profile(doc, &profile, time)
        })
    }

    /// Every visit on the phone with its sync status.
    pub fn visits(&self) -> Result<Vec<VisitRecord>, ClientError> {
        let store = self.doc_store()?;
        let mut records = Vec::new();
        for (cooperative_id, info) in store.index()? {
            let doc = store.load(cooperative_id)?;
            let typed = match document::read(&doc) {
                Ok(typed) => typed,
                Err(_) => continue,
            };
            if typed.visits.is_empty() {
                continue;
            }
            let state = store.load_state(cooperative_id)?;
            let pending = pending_visits(cooperative_id, &doc, &state);
            for (id, visit) in typed.visits {
                let Ok(id) = Uuid::parse_str(&id) else {
                    continue;
                };
                let status = if !pending.contains(&id) {
                    RecordStatus::Synced
                } else {
                    match &info.status {
                        DocStatus::Quarantined { message }
                        | DocStatus::OutOfScope { message }
                        | DocStatus::Merged { message, .. } => {
                            RecordStatus::Quarantined(message.clone())
                        }
                        DocStatus::Error { message } => RecordStatus::Error(message.clone()),
                        DocStatus::Syncing => RecordStatus::Syncing,
                        DocStatus::Synced | DocStatus::Pending => RecordStatus::Pending,
                    }
                };
                records.push(VisitRecord {
                    cooperative_id,
                    id,
                    visit,
                    status,
                });
            }
        }
        Ok(records)
    }

    /// One sync. Documents with local changes go up as automerge messages; all the others as one summary of their
    /// heads. If the server's heads for those give a different summary it asks for a digest per document, and the
    /// documents that differ are then exchanged. A failure of the link leaves everything stored for the next try;
    /// retry with [`Backoff`].
    pub fn sync(&mut self) -> Result<SyncReport, ClientError> {
        let (store, _writing) = self.doc_store_for_writing()?;
        let mut index = store.index()?;
        let mut report = SyncReport::default();
        let mut open: HashMap<Uuid, (Automerge, State)> = HashMap::new();
        let mut entries = Vec::new();
        let mut unchanged: Vec<(Uuid, Vec<ChangeHash>)> = Vec::new();
        for (&id, info) in index.iter_mut() {
            if info.status.blocks_sending() {
                continue;
            }
            if info.heads.is_empty() && store.has_file(id) {
                // An index written before heads were recorded: read them once.
                info.set_heads(&store.load(id)?.get_heads());
            }
            let heads = info.heads_or_genesis(id);
            let acked = info.acked_or_genesis(id);
            if same_heads(&heads, &acked) {
                unchanged.push((id, heads));
                continue;
            }
            let doc = store.load(id)?;
            let mut state = store.load_state(id)?;
            // The server has at least what it acknowledged: send everything after that in this very request.
            engine::assume_peer_has(&mut state, acked);
            entries.push(DocEntry {
                id: id.as_bytes().to_vec(),
                heads_digest: None,
                message: engine::generate(&doc, &mut state),
            });
            report.sent.insert(id);
            open.insert(id, (doc, state));
        }
        // Other readers of the index (the app's lists, `hezuo-field status`) see what is on its way.
        if !report.sent.is_empty() {
            for id in &report.sent {
                if let Some(info) = index.get_mut(id) {
                    info.status = DocStatus::Syncing;
                }
            }
            store.save_index(&index)?;
        }
        let summary = (!unchanged.is_empty()).then(|| Summary {
            count: unchanged.len() as u32,
            digest: document::summary_digest(
                unchanged.iter().map(|(id, heads)| (*id, heads.as_slice())),
            )
            .to_vec(),
        });
        let exchanged = self.exchange(
            &store,
            &mut index,
            &mut report,
            &mut open,
            entries,
            unchanged,
            summary,
        );
        if let Err(error) = exchanged {
            // Everything stays stored for the next try; the documents on their way say why they did not arrive.
            for info in index.values_mut() {
                if info.status == DocStatus::Syncing {
                    info.status = DocStatus::Error {
                        message: format!("同步中断，将自动重试：{error}"),
                    };
                }
            }
            store.save_index(&index)?;
            return Err(error);
        }
        // Statuses: a document is synced when the server has all of it.
        for (id, info) in index.iter_mut() {
            if report.problems.contains_key(id) || info.status.blocks_sending() {
                continue;
            }
            info.status = match open.get(id) {
                Some((doc, state)) if has_unsent(*id, doc, state) => DocStatus::Pending,
                Some(_) => DocStatus::Synced,
                None if same_heads(&info.heads_or_genesis(*id), &info.acked_or_genesis(*id)) => {
                    DocStatus::Synced
                }
                None => info.status.clone(),
            };
        }
        store.save_index(&index)?;
        Ok(report)
    }

    /// The request–reply rounds of one sync: sends `entries` and the `summary`, takes the server's messages into the
    /// documents (saving each before the next round), and answers until nothing differs or the rounds run out.
    #[allow(clippy::too_many_arguments)]
    fn exchange(
        &mut self,
        store: &DocStore,
        index: &mut BTreeMap<Uuid, DocInfo>,
        report: &mut SyncReport,
        open: &mut HashMap<Uuid, (Automerge, State)>,
        mut entries: Vec<DocEntry>,
        mut unchanged: Vec<(Uuid, Vec<ChangeHash>)>,
        mut summary: Option<Summary>,
    ) -> Result<(), ClientError> {
        for _ in 0..MAX_ROUNDS {
            if entries.is_empty() && summary.is_none() {
                break;
            }
            let request = SyncRequest {
                protocol: SYNC_PROTOCOL,
                docs: std::mem::take(&mut entries),
                summary: summary.take(),
            };
            let response = self.call(|client| client.sync_batch(&request))?;
            report.round_trips += 1;
            if response.want_digests {
                for (id, heads) in &unchanged {
                    entries.push(DocEntry {
                        id: id.as_bytes().to_vec(),
                        heads_digest: Some(document::heads_digest(heads).to_vec()),
                        message: None,
                    });
                }
            }
            for reply in response.docs {
                let Ok(id) = <[u8; 16]>::try_from(reply.id.as_slice()).map(Uuid::from_bytes) else {
                    continue;
                };
                if let Some(error) = reply.error {
                    let status = match (error.code, error.merged_into()) {
                        (DocErrorCode::Quarantined | DocErrorCode::Refused, _) => {
                            DocStatus::Quarantined {
                                message: error.message_zh,
                            }
                        }
                        (DocErrorCode::OutOfScope, _) => DocStatus::OutOfScope {
                            message: error.message_zh,
                        },
                        (DocErrorCode::Merged, Some(into)) => DocStatus::Merged {
                            into,
                            message: error.message_zh,
                        },
                        _ => DocStatus::Error {
                            message: error.message_zh,
                        },
                    };
                    report.problems.insert(id, status.clone());
                    if let Some(info) = index.get_mut(&id) {
                        info.status = status;
                    }
                    // A device on hold still reads: take what the server sent, answer nothing.
                    if let Some(message) = reply.message {
                        let (mut doc, mut state) = match open.remove(&id) {
                            Some(open) => open,
                            None => (store.load(id)?, store.load_state(id)?),
                        };
                        let heads_before = doc.get_heads();
                        if engine::receive_from_server(&mut doc, &mut state, &message).is_ok()
                            && !same_heads(&heads_before, &doc.get_heads())
                        {
                            store.save(id, &doc)?;
                            report.updated.insert(id);
                            if let Some(info) = index.get_mut(&id) {
                                info.set_heads(&doc.get_heads());
                            }
                        }
                    }
                    open.remove(&id);
                    continue;
                }
                if let Some(acked) = &reply.acked {
                    // The server holds exactly our heads: record that, no message needed.
                    if let Some((doc, state)) = open.get_mut(&id)
                        && acked.as_slice() == document::heads_digest(&doc.get_heads()).as_slice()
                    {
                        state.shared_heads = doc.get_heads();
                        store.save_state(id, state)?;
                        if let Some(info) = index.get_mut(&id) {
                            info.set_acked(&state.shared_heads);
                        }
                    }
                    continue;
                }
                let Some(message): Option<Vec<u8>> = reply.message else {
                    continue;
                };
                let (doc, state) = match open.entry(id) {
                    std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                    std::collections::hash_map::Entry::Vacant(entry) => {
                        entry.insert((store.load(id)?, store.load_state(id)?))
                    }
                };
                let heads_before = doc.get_heads();
                engine::receive_from_server(doc, state, &message).map_err(|e| {
                    ClientError::Protocol {
                        status: 200,
                        message: e.to_string(),
                    }
                })?;
                if !same_heads(&heads_before, &doc.get_heads()) {
                    store.save(id, doc)?;
                    report.updated.insert(id);
                }
                store.save_state(id, state)?;
                if let Some(info) = index.get_mut(&id) {
                    info.set_heads(&doc.get_heads());
                    info.set_acked(&state.shared_heads);
                }
                // In step with the server: nothing to answer; the next sync's summary tells it so.
                if engine::in_step(doc, state) {
                    state.shared_heads = doc.get_heads();
                    store.save_state(id, state)?;
                    if let Some(info) = index.get_mut(&id) {
                        info.set_acked(&state.shared_heads);
                    }
                    continue;
                }
                if let Some(next) = engine::generate(doc, state) {
                    entries.push(DocEntry {
                        id: id.as_bytes().to_vec(),
                        heads_digest: None,
                        message: Some(next),
                    });
                }
            }
            // Digests were requested and sent this round; the summary is not sent again.
            if response.want_digests {
                unchanged.clear();
            }
        }
        Ok(())
    }
}

/// Whether the document holds changes the server is not known to have.
fn has_unsent(id: Uuid, doc: &Automerge, state: &State) -> bool {
    let known = if state.shared_heads.is_empty() {
        vec![document::genesis_hash(id)]
    } else {
        state.shared_heads.clone()
    };
    !doc.get_changes(&known).is_empty()
}

/// The visits touched by changes the server is not known to have.
fn pending_visits(id: Uuid, doc: &Automerge, state: &State) -> BTreeSet<Uuid> {
    let known = if state.shared_heads.is_empty() {
        vec![document::genesis_hash(id)]
    } else {
        state.shared_heads.clone()
    };
    let mut pending = BTreeSet::new();
    for patch in doc.diff(&known, &doc.get_heads()) {
        let mut path: Vec<String> = patch
            .path
            .iter()
            .map(|(_, prop)| match prop {
                automerge::Prop::Map(key) => key.clone(),
                automerge::Prop::Seq(index) => index.to_string(),
            })
            .collect();
        if let automerge::PatchAction::PutMap { key, .. } = &patch.action {
            path.push(key.clone());
        }
        if path.first().map(String::as_str) == Some("visits")
            && let Some(visit) = path.get(1).and_then(|v| Uuid::parse_str(v).ok())
        {
            pending.insert(visit);
        }
    }
    pending
}
