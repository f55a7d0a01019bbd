//! The one error type of the HTTP API, rendered as RFC 9457 `application/problem+json`.
//!
//! Handlers return `Result<_, ApiError>`. The language is chosen per request by [`crate::middleware`], which renders
//! the problem in Chinese unless the client prefers English.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use hezuo_mobile_api::error::{ExistingResource, FieldError};
use hezuo_mobile_api::{ErrorCode, Lang, Localized, Problem};

/// A field that failed validation, with its message in both languages.
#[derive(Debug, Clone)]
pub struct InvalidField {
    pub field: String,
    pub code: String,
    pub message: Localized,
}

/// How soon a client may retry after the database was out of reach.
const DATABASE_RETRY_AFTER_SECS: u64 = 2;

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    /// Everything else, boxed: errors travel through every `Result` of the server, so they are kept small.
    extra: Box<Extra>,
}

#[derive(Debug, Default)]
struct Extra {
    detail: Option<Localized>,
    fields: Vec<InvalidField>,
    existing: Option<ExistingResource>,
    retry_after_secs: Option<u64>,
    /// The methods a path answers, for a 405.
    allow: Option<String>,
    /// The underlying cause of a server-side failure; logged, never sent.
    source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            extra: Box::default(),
        }
    }

    fn with_source(mut self, source: anyhow::Error) -> Self {
        self.extra.source = Some(source);
        self
    }

    pub fn with_detail(mut self, zh: impl Into<String>, en: impl Into<String>) -> Self {
        self.extra.detail = Some(Localized::new(zh, en));
        self
    }

    pub fn with_field(
        mut self,
        field: &str,
        code: &str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        self.extra.fields.push(InvalidField {
            field: field.to_owned(),
            code: code.to_owned(),
            message: Localized::new(zh, en),
        });
        self
    }

    pub fn with_existing(mut self, existing: ExistingResource) -> Self {
        self.extra.existing = Some(existing);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.extra.retry_after_secs = Some(seconds.max(1));
        self
    }

    pub fn with_allow(mut self, methods: &str) -> Self {
        self.extra.allow = Some(methods.to_owned());
        self
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound)
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden)
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self::new(ErrorCode::Internal).with_source(source.into())
    }

    pub fn pool_exhausted(source: diesel::r2d2::PoolError) -> Self {
        Self::new(ErrorCode::ServiceUnavailable)
            .with_source(anyhow::Error::new(source))
            .with_retry_after(2)
    }

    /// The database cannot be reached or dropped the connection (a restart, a failover, a terminated backend):
    /// worth retrying soon.
    pub fn database_unavailable() -> Self {
        Self::new(ErrorCode::ServiceUnavailable)
            .with_detail(
                "数据库暂时无法连接，请稍后重试",
                "the database cannot be reached; retry shortly",
            )
            .with_retry_after(DATABASE_RETRY_AFTER_SECS)
    }

    /// The problem document in the given language.
    pub fn to_problem(&self, lang: Lang, instance: Option<&str>) -> Problem {
        let mut problem = Problem::new(self.code, lang);
        problem.detail = self.extra.detail.as_ref().map(|d| d.get(lang).to_owned());
        problem.instance = instance.map(str::to_owned);
        problem.errors = self
            .extra
            .fields
            .iter()
            .map(|f| FieldError {
                field: f.field.clone(),
                code: f.code.clone(),
                message: f.message.get(lang).to_owned(),
            })
            .collect();
        problem.existing = self.extra.existing.clone();
        problem.retry_after_secs = self.extra.retry_after_secs;
        problem
    }

    /// Renders the HTTP response in the given language.
    pub fn render(&self, lang: Lang, instance: Option<&str>) -> HttpResponse {
        let problem = self.to_problem(lang, instance);
        let mut response = HttpResponse::build(self.status_code());
        response
            .content_type(Problem::CONTENT_TYPE)
            .insert_header((header::CONTENT_LANGUAGE, lang.tag()));
        if let Some(seconds) = self.extra.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
        if let Some(methods) = self.extra.allow.as_deref()
            && let Ok(value) = HeaderValue::from_str(methods)
        {
            response.insert_header((header::ALLOW, value));
        }
        if self.code == ErrorCode::Unauthenticated || self.status_code() == StatusCode::UNAUTHORIZED
        {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"hezuo\""));
        }
        response.json(problem)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(detail) = &self.extra.detail {
            write!(f, ": {}", detail.en)?;
        }
        if let Some(source) = &self.extra.source {
            write!(f, " ({source:#})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        // The language middleware re-renders with the request's language and path; this is the fallback.
        self.render(Lang::Zh, None)
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError::new(code)
    }
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::NotFound => ApiError::not_found(),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::new(ErrorCode::Conflict).with_source(anyhow::Error::new(error))
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )
            | DieselError::BrokenTransactionManager => {
                ApiError::database_unavailable().with_source(anyhow::Error::new(error))
            }
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("database is locked") =>
            {
                // SQLite's busy timeout ran out under a long write: a moment later it will not.
                ApiError::new(ErrorCode::ServiceUnavailable)
                    .with_source(anyhow::Error::new(error))
                    .with_retry_after(1)
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::new(ErrorCode::ServiceUnavailable)
                    .with_source(anyhow::Error::new(error))
                    .with_retry_after(1)
            }
            _ => ApiError::internal(error),
        }
    }
}

/// The crate-wide result of handlers and of database code called from them.
pub type ApiResult<T> = Result<T, ApiError>;
