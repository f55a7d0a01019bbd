//! Building and running the HTTP server. [`Application::build`] binds the listener first, so tests can ask for
//! port 0 and learn the port the OS chose.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use diesel_migrations::MigrationHarness;
use hezuo_mobile_api::ErrorCode;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::{Config, Environment};
use crate::db::{self, DbConn, Pool};
use crate::error::ApiError;
use crate::openapi::OpenApiJson;
use crate::state::AppState;
use crate::{middleware, routes};

/// How long a client may take to send a request's head once connected.
pub const REQUEST_HEAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// How much a connection queues for writing before it waits for the client to take it (actix's default is 32 KiB).
pub const WRITE_BUFFER_BYTES: usize = 8 * 1024;

/// Largest JSON request body.
const MAX_JSON_BYTES: usize = 1024 * 1024;

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Opens the database named by the configuration and builds the server. Must run inside an actix runtime.
    pub fn build(config: Config) -> anyhow::Result<Self> {
        let pool = db::build_pool(&config.database_url(), config.database_pool_size)?;
        Self::build_with_pool(config, pool)
    }

    pub fn build_with_pool(config: Config, pool: Pool) -> anyhow::Result<Self> {
        prepare_database(&config, &pool)?;
        let listener = TcpListener::bind(&config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let workers = config.workers;
        let max_import_bytes = config.max_import_bytes;
        let database_url = config.database_url();
        let state = web::Data::new(AppState::new(config, pool)?);
        if let Ok(db::DatabaseUrl::Postgres(url)) = db::DatabaseUrl::parse(&database_url) {
            crate::documents::feed::listen_to_other_instances(
                url,
                state.documents.feed.clone(),
                state.documents.cache.clone(),
            );
        }
        actix_web::rt::spawn(crate::reports::freeze_loop(state.clone()));
        let document = crate::openapi::document();
        let operations = web::Data::new(crate::openapi::Operations::of(&document));
        let openapi_json = web::Data::new(OpenApiJson(document.to_pretty_json()?));

        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(openapi_json.clone())
                .app_data(operations.clone())
                .app_data(json_config())
                .app_data(query_config())
                .app_data(path_config())
                .app_data(web::PayloadConfig::new(max_import_bytes))
                .configure(|config| {
                    routes::configure(&mut utoipa_actix_web::service_config::ServiceConfig::new(
                        config,
                    ))
                })
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")),
                )
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header(("Location", "/docs/"))
                            .finish()
                    }),
                )
                .route("/", page().to(routes::console::redirect::to_console))
                .route("/console", page().to(routes::console::redirect::to_console))
                .route(
                    "/console/{_:.*}",
                    page().to(routes::console::serve::serve_console),
                )
                .route("/field", page().to(routes::field::redirect::to_field_app))
                .route(
                    "/field/{_:.*}",
                    page().to(routes::field::serve::serve_field_app),
                )
                .default_service(web::to(routes::not_found))
                .wrap(actix_web::middleware::from_fn(middleware::observe))
                // Outermost: compress whatever the client accepts (gzip, zstd); 2G links pay for every byte.
                .wrap(actix_web::middleware::Compress::default())
        })
        .listen(listener)?
        // Phones on 2G keep connections open a long time between requests.
        .keep_alive(std::time::Duration::from_secs(75))
        // A phone on a weak link, or one short of CPU, may take seconds to send a request's head: actix's 5 s answered
        // about half of 200 WebSocket readers connecting at once with 408 (bench-fanout), and they had to start over.
        .client_request_timeout(REQUEST_HEAD_TIMEOUT)
        // A connection's write buffer keeps the largest size it ever reached for as long as the connection lasts, and
        // fills to this size while the client reads slowly: with the default, a reader on a weak link keeps 32 KiB.
        .h1_write_buffer_size(WRITE_BUFFER_BYTES)
        .shutdown_timeout(10);
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Dev applies pending migrations at start; production refuses to start on an out-of-date schema, since migrating a
/// shared database is an operator's decision (`hezuo migrate`).
fn prepare_database(config: &Config, pool: &Pool) -> anyhow::Result<()> {
    let mut conn = pool.get().context("cannot connect to the database")?;
    match config.env {
        Environment::Dev => {
            let applied = db::run_migrations(&mut conn)?;
            if !applied.is_empty() {
                tracing::info!(migrations = ?applied, "applied database migrations");
            }
        }
        Environment::Production => {
            let pending = match &mut *conn {
                DbConn::Sqlite(c) => c.has_pending_migration(hezuo_migrations::SQLITE),
                DbConn::Pg(c) => c.has_pending_migration(hezuo_migrations::POSTGRES),
            }
            .map_err(|e| anyhow::anyhow!("cannot read the migration state: {e}"))?;
            if pending {
                bail!("the database schema is out of date; run `hezuo migrate` first");
            }
        }
    }
    Ok(())
}

/// A route for pages and files: GET, and HEAD as link checkers and proxies send it.
fn page() -> actix_web::Route {
    use actix_web::guard;
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_JSON_BYTES)
        .error_handler(|error, _req| {
            use actix_web::error::JsonPayloadError;
            let api_error = match &error {
                JsonPayloadError::ContentType => ApiError::new(ErrorCode::UnsupportedMediaType)
                    .with_detail(
                        "请求体须为 application/json",
                        "the request body must be application/json",
                    ),
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => {
                    ApiError::new(ErrorCode::PayloadTooLarge)
                }
                JsonPayloadError::Deserialize(inner) if inner.is_data() => {
                    ApiError::new(ErrorCode::ValidationFailed)
                        .with_detail(inner.to_string(), inner.to_string())
                }
                other => ApiError::new(ErrorCode::InvalidJson)
                    .with_detail(other.to_string(), other.to_string()),
            };
            api_error.into()
        })
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        ApiError::new(ErrorCode::InvalidQuery)
            .with_detail(error.to_string(), error.to_string())
            .into()
    })
}

/// A path segment that does not parse (e.g. an id that is not a UUID) names nothing that could exist.
fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_error, _req| ApiError::not_found().into())
}
