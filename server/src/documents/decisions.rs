//! The document's server-only `decisions` map: what the clean-up (`cleanup`) and star (`star`) processes decided about
//! a cooperative, for its counsellors' phones. A record is written in the same transaction as the decision behind it,
//! as the deciding person's change.

use crate::db::id::CooperativeId;
use automerge::Automerge;
use hezuo_sync::model::DecisionRecord;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Runs `change`, then writes `record`'s answer under `key` in the cooperative's document when it differs, as
/// `caller`'s change, all in one transaction.
pub fn write_with<T>(
    conn: &mut DbConn,
    app: &AppState,
    caller: &Authenticated,
    cooperative_id: CooperativeId,
    key: &str,
    record: fn(&mut DbConn, CooperativeId) -> diesel::QueryResult<Option<DecisionRecord>>,
    mut change: impl FnMut(&mut DbConn) -> ApiResult<T>,
) -> ApiResult<T> {
    app.documents.write(
        conn,
        cooperative_id.uuid(),
        &caller.who(),
        |conn, doc: &mut Automerge| {
            let value = change(conn)?;
            if let Some(record) = record(conn, cooperative_id)? {
                let now = chrono::Utc::now().timestamp_millis();
                hezuo_sync::server_edit::put_decisions(doc, &[(key.to_owned(), record)], now)
                    .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
            }
            Ok(value)
        },
    )
}
