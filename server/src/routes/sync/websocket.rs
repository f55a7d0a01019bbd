use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, get, web};
use actix_ws::AggregatedMessage;
use automerge::sync::State;
use futures_util::FutureExt;
use hezuo_mobile_api::sync::DocError;
use hezuo_mobile_api::{ErrorCode, Problem};
use hezuo_sync::DocumentId;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::extractor::load_session;
use crate::documents::batch_plan;
use crate::documents::peers::Seat;
use crate::documents::repo_protocol::{PROTOCOL_V1, RepoMessage};
use crate::documents::service::{self, Caller, MergeAttempt, Persist};
use crate::documents::store;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Phones on 2G go quiet for long stretches: ping every 30 s, give up after 3 minutes without a word.
const PING_EVERY: Duration = Duration::from_secs(30);
const SILENCE_LIMIT: Duration = Duration::from_secs(180);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebSocketQuery {
    /// An access token (browsers cannot set headers on a WebSocket upgrade).
    pub token: Option<String>,
}

/// automerge-repo network protocol v1 over WebSocket, for unmodified `@automerge/automerge-repo` clients with the
/// `@automerge/automerge-repo-network-websocket` adapter. The share policy is the region rule: documents outside the
/// caller's regions, and ids that are not cooperatives, are `doc-unavailable`. Changes pass the same trust boundary as
/// HTTP batch sync; a session without a registered device reads only.
#[utoipa::path(tag = "sync", params(WebSocketQuery), responses(
    (status = 101, description = "Switching to the WebSocket protocol"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
))]
#[get("/sync/ws")]
pub async fn websocket(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    query: web::Query<WebSocketQuery>,
) -> ApiResult<HttpResponse> {
    let header_token = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let token = query
        .into_inner()
        .token
        .or(header_token)
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
    let claims = state.tokens.verify(&token)?;
    let (user, session_id) = (claims.sub, claims.sid);
    let caller = state
        .db
        .run(move |conn| authorize(conn, user, session_id))
        .await?;
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|e| {
        ApiError::new(ErrorCode::BadRequest).with_detail(
            format!("WebSocket握手失败：{e}"),
            format!("WebSocket handshake failed: {e}"),
        )
    })?;
    // A first sync of a large document arrives as one message: the same bound as an HTTP sync body.
    let max_message_bytes = state.sync_intake.limit();
    let stream = stream
        .max_frame_size(max_message_bytes)
        .aggregate_continuations()
        .max_continuation_size(max_message_bytes);
    let access = Access {
        user,
        session: session_id,
        expires_at: claims.exp,
    };
    actix_web::rt::spawn(run(state.into_inner(), caller, access, session, stream));
    Ok(response)
}

/// Who the connection acts for, as the session says now: checked at the upgrade and again whenever that user's
/// access changes, so a revoked device or session, a disabled account or new regions take effect at once.
fn authorize(conn: &mut crate::db::DbConn, user: Uuid, session: Uuid) -> ApiResult<Caller> {
    let authenticated = load_session(conn, user.into(), session.into())?;
    match authenticated.device_id {
        Some(_) => super::caller_device(conn, &authenticated),
        None => Ok(Caller {
            user_id: authenticated.user.id,
            device_id: None,
            actor: automerge::ActorId::random(),
            may_write: false,
            scope: authenticated.scope.clone(),
        }),
    }
}

/// The token behind a connection.
struct Access {
    user: Uuid,
    session: Uuid,
    /// Unix seconds; the connection ends then, as a request with the token would be refused.
    expires_at: i64,
}

impl Access {
    fn expired(&self) -> bool {
        chrono::Utc::now().timestamp() >= self.expires_at
    }
}

/// Besides the news of access changes, the session is checked again this often (a missed notification).
const RECHECK_EVERY_TICKS: u32 = 10;

struct Connection {
    state: std::sync::Arc<AppState>,
    caller: std::sync::Arc<Caller>,
    access: Access,
    session: actix_ws::Session,
    server_peer: String,
    client_peer: Option<String>,
    /// Sync state per document this connection syncs. Boxed, as the hold in `cleared` is: a map keeps room for up to
    /// twice its entries, and a `State` is some 180 bytes inline, so 30 documents took 12 KiB of every connection.
    docs: HashMap<Uuid, Box<State>>,
    /// Documents this connection was found to have access to, with the account's hold on each (if any). A message
    /// that carries no changes only reads, and is served on this finding without asking the registry again: every
    /// access change, and every few minutes, [`Connection::reauthorize`] checks again and starts this afresh. A
    /// message with changes is always looked up anew.
    cleared: HashMap<Uuid, Option<Box<DocError>>>,
    /// Documents whose news could not be pushed (the database was out of reach); tried again shortly.
    unpushed: std::collections::BTreeSet<Uuid>,
    /// The connection's place among the peers joined here.
    seat: Seat,
    /// Bytes handed to the socket's writer since it last had a turn to write them out.
    queued: usize,
}

/// The most a connection hands its socket's writer at once, when its messages allow. The writer joins everything
/// queued into one buffer, which keeps the largest size it ever reached for as long as the connection lasts: an answer
/// to a reader's 30 documents, queued at once, left 60 KiB behind in every connection.
const QUEUED_AT_ONCE: usize = 6 * 1024;

/// How soon news that could not be pushed is tried again.
const PUSH_RETRY_EVERY: Duration = Duration::from_secs(1);

async fn run(
    state: std::sync::Arc<AppState>,
    caller: Caller,
    access: Access,
    session: actix_ws::Session,
    mut stream: actix_ws::AggregatedMessageStream,
) {
    let mut feed = state.documents.feed.subscribe();
    let mut access_news = state.documents.feed.subscribe_access();
    let join_deadline = tokio::time::sleep(Duration::from_secs(state.config.websocket_join_secs));
    tokio::pin!(join_deadline);
    let seat = state.documents.peers.seat();
    let superseded = seat.superseded.clone();
    let mut connection = Connection {
        state,
        caller: std::sync::Arc::new(caller),
        access,
        session,
        server_peer: format!("hezuo-server-{}", Uuid::now_v7().simple()),
        client_peer: None,
        docs: HashMap::new(),
        cleared: HashMap::new(),
        unpushed: std::collections::BTreeSet::new(),
        seat,
        queued: 0,
    };
    let mut ticker = tokio::time::interval(PING_EVERY);
    let mut push_retry = tokio::time::interval(PUSH_RETRY_EVERY);
    let mut ticks: u32 = 0;
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            incoming = stream.recv() => {
                last_heard = Instant::now();
                if !connection.received(incoming, &mut stream).await {
                    break;
                }
            }
            // A socket the client abandoned while it was opening never joins.
            _ = &mut join_deadline, if connection.client_peer.is_none() => {
                let _ = connection.refuse("no join message; reconnect").await;
                break;
            }
            _ = superseded.notified() => {
                let _ = connection.refuse("this peer joined again on a newer connection").await;
                break;
            }
            changed = feed.recv() => {
                if let Ok(news) = changed
                    && connection.docs.contains_key(&news.id)
                    && connection.push(news.id, news.version).await.is_err()
                {
                    break;
                }
            }
            _ = push_retry.tick(), if !connection.unpushed.is_empty() => {
                if connection.push_again().await.is_err() {
                    break;
                }
            }
            news = access_news.recv() => {
                let concerned = match news {
                    Ok(user) => crate::documents::feed::access_news_concerns(user, connection.access.user),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                    // The application is shutting down.
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                };
                if concerned && connection.reauthorize().await.is_err() {
                    break;
                }
            }
            _ = ticker.tick() => {
                ticks = ticks.wrapping_add(1);
                if connection.check_expiry().await.is_err()
                    || (ticks.is_multiple_of(RECHECK_EVERY_TICKS) && connection.reauthorize().await.is_err())
                {
                    break;
                }
                if last_heard.elapsed() > SILENCE_LIMIT || connection.session.ping(b"").await.is_err() {
                    break;
                }
            }
        }
    }
    connection.state.documents.peers.leave(&connection.seat);
    let _ = connection.session.close(None).await;
}

/// What the client sent, as the stream yields it.
type Incoming = Result<AggregatedMessage, actix_ws::ProtocolError>;

/// What became of a message from the client.
enum Received {
    /// A binary frame, to handle.
    Frame(actix_web::web::Bytes),
    /// Answered already (a ping, a text frame).
    Handled,
    /// The client closed the connection, or it broke.
    End,
}

/// Frames handled in one trip to the database at most, and the bytes after which no further frame joins them.
const FRAMES_PER_TRIP: usize = 64;
const BYTES_PER_TRIP: usize = 256 * 1024;

/// How one sync message was handled.
enum Handled {
    /// Not a cooperative the caller may sync.
    Unavailable,
    /// Merged (or refused, or set aside on hold), with the account's hold on the document.
    Merged(Box<(service::Outcome, Option<DocError>)>),
}

/// Looks up and merges sync messages in order on one connection. Each is handled as if it came alone: a message that
/// only reads is served on the access found before (`cleared`); any other is looked up afresh, so a refusal earlier
/// in the same trip holds the writes after it. The first failure ends the trip: what came before it is answered.
fn handle_in_order(
    conn: &mut crate::db::DbConn,
    app: &AppState,
    caller: &Caller,
    work: Vec<(Uuid, Vec<u8>)>,
    mut states: HashMap<Uuid, State>,
    mut cleared: HashMap<Uuid, Option<DocError>>,
) -> Vec<(Uuid, ApiResult<Handled>)> {
    let mut handled = Vec::with_capacity(work.len());
    for (id, data) in work {
        let result = handle_one(conn, app, caller, id, &data, &mut states, &mut cleared);
        let failed = result.is_err();
        handled.push((id, result));
        if failed {
            break;
        }
    }
    handled
}

/// Looks up and merges one message of [`handle_in_order`]'s, keeping what it found in `states` and `cleared` for the
/// messages after it.
fn handle_one(
    conn: &mut crate::db::DbConn,
    app: &AppState,
    caller: &Caller,
    id: Uuid,
    data: &[u8],
    states: &mut HashMap<Uuid, State>,
    cleared: &mut HashMap<Uuid, Option<DocError>>,
) -> ApiResult<Handled> {
    // Only a document with a finding is decoded here (the merge decodes it again): a first message, the usual write,
    // pays nothing extra.
    let remembered = cleared
        .get(&id)
        .cloned()
        .filter(|_| hezuo_sync::engine::decode_message(data).is_ok_and(|m| m.changes.is_empty()));
    let hold = match remembered {
        Some(hold) => hold,
        None => {
            let known = service::look_up(conn, caller, &[id])?;
            // Only registered cooperatives in the caller's regions are shared over WebSocket.
            if !known.is_registered(id)
                || batch_plan::access_error(&known, &caller.scope, id).is_some()
            {
                cleared.remove(&id);
                states.remove(&id);
                return Ok(Handled::Unavailable);
            }
            batch_plan::write_hold(&known, id)
        }
    };
    let state = states.remove(&id).unwrap_or_default();
    let attempt = MergeAttempt {
        id,
        registered: true,
        hold: hold.clone(),
        state: &state,
        bytes: data,
    };
    let outcome = service::receive(conn, &app.documents, caller, attempt, Persist::Nothing)?;
    if outcome.error.is_some() {
        cleared.remove(&id);
    } else {
        cleared.insert(id, hold.clone());
    }
    if outcome.error.is_none() || outcome.reply.is_some() {
        states.insert(id, outcome.state.clone());
    }
    Ok(Handled::Merged(Box::new((outcome, hold))))
}

impl Connection {
    async fn send(&mut self, message: RepoMessage) -> Result<(), actix_ws::Closed> {
        let bytes = message.encode();
        if self.queued > 0 && self.queued + bytes.len() > QUEUED_AT_ONCE {
            // The writer runs on this thread: yielding lets it write out what is queued before more joins it.
            tokio::task::yield_now().await;
            self.queued = 0;
        }
        self.queued += bytes.len();
        self.session.binary(bytes).await
    }

    /// Tells the client why the connection ends, then ends it.
    async fn refuse(&mut self, why: &str) -> Result<(), actix_ws::Closed> {
        let error = RepoMessage::error(&self.server_peer, self.client_peer.as_deref(), why);
        let _ = self.send(error).await;
        Err(actix_ws::Closed)
    }

    /// An expired access token ends the connection, as it would end an HTTP request; the client reconnects with a
    /// fresh one.
    async fn check_expiry(&mut self) -> Result<(), actix_ws::Closed> {
        if self.access.expired() {
            return self
                .refuse("access token expired; reconnect with a fresh token (token_expired)")
                .await;
        }
        Ok(())
    }

    /// Loads the session again. A session that no longer holds ends the connection; new regions or a new role apply
    /// from now on, and documents that left the regions stop being pushed.
    async fn reauthorize(&mut self) -> Result<(), actix_ws::Closed> {
        let (user, session) = (self.access.user, self.access.session);
        let held: Vec<Uuid> = self.docs.keys().copied().collect();
        let checked = self
            .state
            .db
            .run(move |conn| {
                let caller = authorize(conn, user, session)?;
                let known = service::look_up(conn, &caller, &held)?;
                let gone: Vec<Uuid> = held
                    .iter()
                    .filter(|id| {
                        !known.is_registered(**id)
                            || batch_plan::access_error(&known, &caller.scope, **id).is_some()
                    })
                    .copied()
                    .collect();
                Ok((caller, gone))
            })
            .await;
        match checked {
            Ok((caller, gone)) => {
                self.caller = std::sync::Arc::new(caller);
                self.cleared.clear();
                for id in gone {
                    self.docs.remove(&id);
                    if let Some(client) = self.client_peer.clone() {
                        let document = DocumentId::from_uuid(id).to_string();
                        self.send(RepoMessage::unavailable(
                            &self.server_peer,
                            &client,
                            &document,
                        ))
                        .await?;
                    }
                }
                Ok(())
            }
            Err(error) if error.code.status() < 500 => {
                let problem = error.to_problem(hezuo_mobile_api::Lang::En, None);
                let why = format!("{} ({})", problem.title, problem.code.as_str());
                self.refuse(&why).await
            }
            // The database is unreachable: keep the connection; the next check decides.
            Err(_) => Ok(()),
        }
    }

    /// Handles what the client sent. A binary frame is handled together with the frames already waiting behind it
    /// (the stock client asks for all its documents at once), in one trip to the database. `false` ends the
    /// connection.
    async fn received(
        &mut self,
        incoming: Option<Incoming>,
        stream: &mut actix_ws::AggregatedMessageStream,
    ) -> bool {
        let mut frames = match self.classify(incoming).await {
            Received::Frame(bytes) => vec![bytes],
            Received::Handled => return true,
            Received::End => return false,
        };
        let mut bytes = frames[0].len();
        let mut ended = false;
        while frames.len() < FRAMES_PER_TRIP && bytes < BYTES_PER_TRIP {
            // A stream poll keeps no state of its own, so one that finds nothing waiting may be dropped.
            let Some(next) = stream.recv().now_or_never() else {
                break;
            };
            match self.classify(next).await {
                Received::Frame(frame) => {
                    bytes += frame.len();
                    frames.push(frame);
                }
                Received::Handled => {}
                Received::End => {
                    ended = true;
                    break;
                }
            }
        }
        // The messages hold their share of the sync memory while they are handled.
        let mut share = crate::documents::intake::Share::default();
        for frame in &frames {
            if self
                .state
                .sync_intake
                .grow(&mut share, frame.len())
                .await
                .is_err()
            {
                let _ = self
                    .refuse("too many sync messages at once; reconnect and retry")
                    .await;
                return false;
            }
        }
        !ended && self.frames(&frames).await.is_ok()
    }

    /// Answers what is not a binary frame; a binary frame is handed back.
    async fn classify(&mut self, incoming: Option<Incoming>) -> Received {
        match incoming {
            Some(Ok(AggregatedMessage::Binary(bytes))) => Received::Frame(bytes),
            Some(Ok(AggregatedMessage::Ping(bytes))) => match self.session.pong(&bytes).await {
                Ok(()) => Received::Handled,
                Err(_) => Received::End,
            },
            Some(Ok(AggregatedMessage::Pong(_))) => Received::Handled,
            Some(Ok(AggregatedMessage::Text(_))) => {
                let error = RepoMessage::error(
                    &self.server_peer,
                    self.client_peer.as_deref(),
                    "binary CBOR frames only",
                );
                match self.send(error).await {
                    Ok(()) => Received::Handled,
                    Err(_) => Received::End,
                }
            }
            Some(Ok(AggregatedMessage::Close(_))) | Some(Err(_)) | None => Received::End,
        }
    }

    /// Handles frames from the client in order, the sync messages among them in one trip to the database; `Err` ends
    /// the connection.
    async fn frames(&mut self, frames: &[actix_web::web::Bytes]) -> Result<(), actix_ws::Closed> {
        let mut syncs = Vec::new();
        for bytes in frames {
            let message = match RepoMessage::decode(bytes) {
                Ok(message) => message,
                Err(error) => {
                    self.sync_many(std::mem::take(&mut syncs)).await?;
                    self.send(RepoMessage::error(
                        &self.server_peer,
                        None,
                        format!("invalid CBOR: {error}"),
                    ))
                    .await?;
                    return Err(actix_ws::Closed);
                }
            };
            match message.kind.as_str() {
                "join" => {
                    self.sync_many(std::mem::take(&mut syncs)).await?;
                    self.join(&message).await?;
                }
                "request" | "sync" => syncs.push(message),
                // Ephemeral messages and remote-heads subscriptions are not part of what this server offers.
                _ => {}
            }
        }
        self.sync_many(syncs).await
    }

    async fn join(&mut self, message: &RepoMessage) -> Result<(), actix_ws::Closed> {
        let supported = message
            .supported_protocol_versions
            .as_ref()
            .is_none_or(|versions| versions.iter().any(|v| v == PROTOCOL_V1));
        let client = message.sender_id.clone().unwrap_or_default();
        if !supported {
            self.send(RepoMessage::error(
                &self.server_peer,
                Some(&client),
                "unsupported protocol version",
            ))
            .await?;
            return Err(actix_ws::Closed);
        }
        self.client_peer = Some(client.clone());
        self.state
            .documents
            .peers
            .join(&mut self.seat, self.access.user, &client);
        self.send(RepoMessage::peer(&self.server_peer, &client))
            .await
    }

    /// Merges sync messages in order, in one trip to the database, and answers each.
    async fn sync_many(&mut self, messages: Vec<RepoMessage>) -> Result<(), actix_ws::Closed> {
        if messages.is_empty() {
            return Ok(());
        }
        self.check_expiry().await?;
        let mut work = Vec::with_capacity(messages.len());
        // Whom and which document each answer names, as the message did.
        let mut addresses = Vec::with_capacity(messages.len());
        for message in messages {
            let client = self
                .client_peer
                .clone()
                .or(message.sender_id.clone())
                .unwrap_or_default();
            let document = message.document_id.clone().unwrap_or_default();
            match (DocumentId::parse(&document).map(|d| d.uuid()), message.data) {
                (Ok(id), Some(data)) => {
                    work.push((id, data));
                    addresses.push((client, document));
                }
                _ => {
                    self.send(RepoMessage::unavailable(
                        &self.server_peer,
                        &client,
                        &document,
                    ))
                    .await?
                }
            }
        }
        let mut states: HashMap<Uuid, State> = HashMap::new();
        let mut cleared: HashMap<Uuid, Option<DocError>> = HashMap::new();
        for (id, _) in &work {
            let state = self.docs.get(id).map(|state| State::clone(state));
            states.insert(*id, state.unwrap_or_default());
            if let Some(hold) = self.cleared.get(id) {
                cleared.insert(*id, hold.as_deref().cloned());
            }
        }
        let app = self.state.clone();
        let caller = self.caller.clone();
        let handled = self
            .state
            .db
            .run(move |conn| Ok(handle_in_order(conn, &app, &caller, work, states, cleared)))
            .await;
        let handled = match handled {
            Ok(handled) => handled,
            Err(error) => return self.failed(error).await,
        };
        for ((id, result), (client, document)) in handled.into_iter().zip(addresses) {
            self.answer(id, result, &client, &document).await?;
        }
        Ok(())
    }

    /// Answers one handled sync message, and remembers what it found.
    async fn answer(
        &mut self,
        id: Uuid,
        result: ApiResult<Handled>,
        client: &str,
        document: &str,
    ) -> Result<(), actix_ws::Closed> {
        let (outcome, hold) = match result {
            Ok(Handled::Unavailable) => {
                self.docs.remove(&id);
                self.cleared.remove(&id);
                return self
                    .send(RepoMessage::unavailable(
                        &self.server_peer,
                        client,
                        document,
                    ))
                    .await;
            }
            Ok(Handled::Merged(merged)) => *merged,
            Err(error) => return self.failed(error).await,
        };
        // A refusal puts the account on hold for the document: the next message looks it up again.
        if outcome.error.is_some() {
            self.cleared.remove(&id);
        } else {
            self.cleared.insert(id, hold.map(Box::new));
        }
        let counted = match &outcome.error {
            Some(error) => error.code.as_str(),
            None if outcome.stored => "stored",
            None => "in_step",
        };
        self.state
            .metrics
            .count_sync(crate::metrics::Transport::WebSocket, counted);
        if let Some(error) = &outcome.error {
            if outcome.reply.is_none() {
                self.docs.remove(&id);
            }
            // Refused, or on hold: the client hears why; a device on hold still reads (the reply below).
            self.send(RepoMessage::error(
                &self.server_peer,
                Some(client),
                error.message_en.clone(),
            ))
            .await?;
            if outcome.reply.is_none() {
                return Ok(());
            }
        }
        self.docs.insert(id, Box::new(outcome.state));
        match outcome.reply {
            Some(reply) => {
                self.send(RepoMessage::sync(
                    &self.server_peer,
                    client,
                    document,
                    reply,
                ))
                .await
            }
            None => Ok(()),
        }
    }

    /// A sync message could not be handled. The stock client does not ask again after an error message, but it does
    /// after reconnecting: the connection ends so that the request is not lost.
    async fn failed(&mut self, error: ApiError) -> Result<(), actix_ws::Closed> {
        tracing::warn!(%error, "websocket sync failed");
        self.refuse("temporary server error; reconnect and retry")
            .await
    }

    /// Pushes the news that could not be pushed before; what still fails stays for the next try.
    async fn push_again(&mut self) -> Result<(), actix_ws::Closed> {
        let ids: Vec<Uuid> = self.unpushed.iter().copied().collect();
        for id in ids {
            self.push(id, None).await?;
        }
        Ok(())
    }

    /// Sends a client what changed in a document it syncs (someone else's change, here or on another instance). A
    /// version written here is found in the cache, so a change reaching many readers costs the database nothing.
    async fn push(&mut self, id: Uuid, version: Option<i64>) -> Result<(), actix_ws::Closed> {
        let Some(mut state) = self.docs.get(&id).cloned() else {
            self.unpushed.remove(&id);
            return Ok(());
        };
        let cached =
            version.and_then(|version| self.state.documents.cache.get_with_size(id, version));
        let loaded = match cached {
            Some((doc, _)) => Ok(doc),
            None => {
                let app = self.state.clone();
                self.state
                    .db
                    .run(move |conn| Ok(store::load(conn, &app.documents.cache, id)?.doc))
                    .await
            }
        };
        let Ok(doc) = loaded else {
            self.unpushed.insert(id);
            return Ok(());
        };
        self.unpushed.remove(&id);
        let message = hezuo_sync::engine::generate(&doc, &mut state);
        self.docs.insert(id, state);
        match (message, self.client_peer.clone()) {
            (Some(bytes), Some(client)) => {
                let document = DocumentId::from_uuid(id).to_string();
                self.send(RepoMessage::sync(
                    &self.server_peer,
                    &client,
                    &document,
                    bytes,
                ))
                .await
            }
            _ => Ok(()),
        }
    }
}
