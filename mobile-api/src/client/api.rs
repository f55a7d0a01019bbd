//! Typed calls to the hezuo API over blocking HTTP. A phone runs these from its sync thread, never from the UI thread.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use ureq::http::{self, Method};
use uuid::Uuid;

use super::error::ClientError;
use crate::API_PREFIX;
use crate::auth::{LoginRequest, LogoutRequest, RefreshRequest, TokenResponse};
use crate::cooperatives::{
    Cooperative, CooperativeFilter, CreateCooperativeRequest, UpdateCooperativeRequest,
};
use crate::devices::{Device, RegisterDeviceRequest, RevokeDeviceRequest};
use crate::error::{ErrorCode, Problem};
use crate::imports::ImportReport;
use crate::localized::Lang;
use crate::pagination::Page;
use crate::photos::{VisitPhotos, tus};
use crate::regions::Region;
use crate::users::{CreateUserRequest, Me, UpdateUserRequest, User};

/// A conditional read: the body and its tag, or "your copy is current".
#[derive(Debug, Clone, PartialEq)]
pub enum Conditional<T> {
    Modified { value: T, etag: Option<String> },
    NotModified,
}

/// Lists of users and devices, filtered.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub include_revoked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A raw answer, for callers that inspect status and headers themselves.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body).map_err(|e| ClientError::Protocol {
            status: self.status,
            message: format!("invalid JSON: {e}"),
        })
    }

    /// The body as success value, or the problem it carries.
    fn into_result<T: DeserializeOwned>(self) -> Result<T, ClientError> {
        if (200..300).contains(&self.status) {
            self.json()
        } else {
            Err(self.into_error())
        }
    }

    fn into_error(self) -> ClientError {
        match serde_json::from_slice::<Problem>(&self.body) {
            Ok(problem) => ClientError::Api(Box::new(problem)),
            Err(_) => ClientError::Protocol {
                status: self.status,
                message: String::from_utf8_lossy(&self.body)
                    .chars()
                    .take(200)
                    .collect(),
            },
        }
    }
}

/// Body of a request.
enum Payload<'a> {
    None,
    Json(Vec<u8>),
    Bytes(&'a str, &'a [u8]),
}

/// Where a tus upload stands on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadState {
    /// The upload's URL (a path on this server).
    pub location: String,
    /// Bytes the server has stored.
    pub offset: u64,
    pub length: u64,
}

impl UploadState {
    pub fn is_complete(&self) -> bool {
        self.offset >= self.length
    }
}

#[derive(Clone)]
pub struct ApiClient {
    agent: ureq::Agent,
    /// For photo uploads: no overall deadline (a photo may take minutes on 2G), but a link that stops moving bytes
    /// is given up on.
    upload_agent: ureq::Agent,
    base_url: String,
    token: Option<String>,
    lang: Lang,
}

impl ApiClient {
    /// A client for the server at `base_url` (e.g. `https://hezuo.example.cn`). Timeouts suit a 2G link: a connection
    /// may take a while to open and a response a while to arrive, but a dead link is given up on.
    pub fn new(base_url: &str) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(20)))
            .timeout_global(Some(Duration::from_secs(120)))
            .build();
        let upload_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(20)))
            .timeout_per_write(Some(Duration::from_secs(30)))
            .timeout_per_read(Some(Duration::from_secs(90)))
            .build();
        Self {
            agent: ureq::Agent::new_with_config(config),
            upload_agent: ureq::Agent::new_with_config(upload_config),
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: None,
            lang: Lang::Zh,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Language of the messages in problem documents.
    pub fn set_language(&mut self, lang: Lang) {
        self.lang = lang;
    }

    /// Sends a request and returns whatever came back; only a missing answer is an error.
    pub fn raw(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        headers: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> Result<RawResponse, ClientError> {
        let payload = match body {
            Some((content_type, bytes)) => Payload::Bytes(content_type, bytes),
            None => Payload::None,
        };
        self.send(method, path, query, headers, payload)
    }

    fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        headers: &[(&str, &str)],
        payload: Payload<'_>,
    ) -> Result<RawResponse, ClientError> {
        let head = method == Method::HEAD;
        let url = self.url(path, query);
        let mut builder = http::Request::builder()
            .method(method)
            .uri(&url)
            .header("Accept", "application/json");
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("accept-language"))
        {
            builder = builder.header("Accept-Language", self.lang.tag());
        }
        if let Some(token) = &self.token {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = match payload {
            Payload::None => Vec::new(),
            Payload::Json(bytes) => {
                builder = builder.header("Content-Type", "application/json");
                bytes
            }
            Payload::Bytes(content_type, bytes) => {
                builder = builder.header("Content-Type", content_type);
                bytes.to_vec()
            }
        };
        let request = builder.body(body).map_err(|e| ClientError::Protocol {
            status: 0,
            message: format!("cannot build request: {e}"),
        })?;
        let sent = self.agent.run(request);
        if head {
            // A HEAD answer has headers only (its Content-Encoding describes a body that is not there).
            let response = sent.map_err(|e| ClientError::Transport(e.to_string()))?;
            return Ok(RawResponse {
                status: response.status().as_u16(),
                headers: response.headers().clone(),
                body: Vec::new(),
            });
        }
        self.finish(sent)
    }

    /// `path` on this server (or an absolute URL, as a tus `Location` may be) with its query.
    fn url(&self, path: &str, query: &[(String, String)]) -> String {
        let mut url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{}", self.base_url, path)
        };
        if !query.is_empty() {
            let encoded: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect();
            url.push('?');
            url.push_str(&encoded.join("&"));
        }
        url
    }

    /// Reads the whole answer; only a missing answer is an error.
    fn finish(
        &self,
        sent: Result<http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<RawResponse, ClientError> {
        let mut response = sent.map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    fn json<B: Serialize>(body: &B) -> Result<Payload<'static>, ClientError> {
        serde_json::to_vec(body)
            .map(Payload::Json)
            .map_err(|e| ClientError::Protocol {
                status: 0,
                message: format!("cannot encode request: {e}"),
            })
    }

    pub(crate) fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<T, ClientError> {
        self.send(Method::GET, path, query, &[], Payload::None)?
            .into_result()
    }

    /// A request without a body, such as a DELETE.
    pub(crate) fn bodiless<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
    ) -> Result<T, ClientError> {
        self.send(method, path, &[], &[], Payload::None)?
            .into_result()
    }

    pub(crate) fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(Method::POST, path, &[], &[], Self::json(body)?)?
            .into_result()
    }

    pub(crate) fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(method, path, &[], &[], Self::json(body)?)?
            .into_result()
    }

    pub(crate) fn send_bytes<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        content_type: &str,
        bytes: &[u8],
    ) -> Result<T, ClientError> {
        self.send(
            method,
            path,
            query,
            &[],
            Payload::Bytes(content_type, bytes),
        )?
        .into_result()
    }

    /// A successful answer's body as it came (a file); a problem document otherwise.
    pub(crate) fn get_bytes(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<Vec<u8>, ClientError> {
        let response = self.send(Method::GET, path, query, &[], Payload::None)?;
        if (200..300).contains(&response.status) {
            Ok(response.body)
        } else {
            Err(response.into_error())
        }
    }

    fn get_conditional<T: DeserializeOwned>(
        &self,
        path: &str,
        etag: Option<&str>,
    ) -> Result<Conditional<T>, ClientError> {
        let headers: Vec<(&str, &str)> =
            etag.map(|tag| ("If-None-Match", tag)).into_iter().collect();
        let response = self.send(Method::GET, path, &[], &headers, Payload::None)?;
        if response.status == 304 {
            return Ok(Conditional::NotModified);
        }
        let etag = response.header("etag").map(str::to_owned);
        Ok(Conditional::Modified {
            value: response.into_result()?,
            etag,
        })
    }

    // ---- auth ----

    pub fn login(
        &self,
        username: &str,
        password: &str,
        device_id: Option<Uuid>,
    ) -> Result<TokenResponse, ClientError> {
        let request = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_id,
        };
        self.post("/api/v1/auth/login", &request)
    }

    pub fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, ClientError> {
        self.post(
            "/api/v1/auth/refresh",
            &RefreshRequest {
                refresh_token: refresh_token.to_owned(),
            },
        )
    }

    /// Ends the session of the current token, or else the one of `refresh_token`.
    pub fn logout(&self, refresh_token: Option<&str>) -> Result<(), ClientError> {
        let body = LogoutRequest {
            refresh_token: refresh_token.map(str::to_owned),
        };
        let response = self.send(
            Method::POST,
            "/api/v1/auth/logout",
            &[],
            &[],
            Self::json(&body)?,
        )?;
        no_content(response)
    }

    /// The photos a visit names, which have arrived, and their evidence flags.
    pub fn visit_photos(&self, visit_id: Uuid) -> Result<VisitPhotos, ClientError> {
        self.get(&format!("{API_PREFIX}/visits/{visit_id}/photos"), &[])
    }

    /// tus creation for a photo a visit names. The answer says how much the server already has: everything (it
    /// has the photo), part (an unfinished upload of this device resumed), or nothing.
    pub fn create_upload(
        &self,
        sha256: &str,
        length: u64,
        filename: &str,
    ) -> Result<UploadState, ClientError> {
        let metadata = tus::encode_metadata(&[
            (tus::SHA256_KEY, sha256),
            ("filename", filename),
            ("filetype", "image/jpeg"),
        ]);
        let length_text = length.to_string();
        let response = self.send(
            Method::POST,
            &format!("{API_PREFIX}/uploads"),
            &[],
            &[
                (tus::RESUMABLE, tus::VERSION),
                (tus::LENGTH, &length_text),
                (tus::METADATA, &metadata),
            ],
            Payload::None,
        )?;
        if response.status != 201 {
            return Err(response.into_error());
        }
        let location = response
            .header("location")
            .ok_or_else(|| ClientError::Protocol {
                status: 201,
                message: "tus creation without Location".to_owned(),
            })?
            .to_owned();
        let offset = response
            .header(tus::OFFSET)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok(UploadState {
            location,
            offset,
            length,
        })
    }

    /// tus `HEAD`: how many bytes of the upload the server has stored.
    pub fn upload_offset(&self, location: &str) -> Result<UploadState, ClientError> {
        let response = self.bodiless_tus(Method::HEAD, location)?;
        match response.status {
            200 => {}
            // A HEAD answer carries no problem document; its status says enough.
            404 => {
                return Err(ClientError::Api(Box::new(Problem::new(
                    ErrorCode::NotFound,
                    self.lang,
                ))));
            }
            410 => {
                return Err(ClientError::Api(Box::new(Problem::new(
                    ErrorCode::UploadExpired,
                    self.lang,
                ))));
            }
            _ => return Err(response.into_error()),
        }
        let number = |name: &str| {
            response
                .header(name)
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| ClientError::Protocol {
                    status: response.status,
                    message: format!("tus HEAD without {name}"),
                })
        };
        Ok(UploadState {
            location: location.to_owned(),
            offset: number(tus::OFFSET)?,
            length: number(tus::LENGTH)?,
        })
    }

    /// tus `PATCH`: sends `body` (`length` bytes) from `offset`; the server's new offset. If the link drops midway
    /// the server keeps what arrived: ask [`Self::upload_offset`] and go on from there.
    pub fn append_upload(
        &self,
        location: &str,
        offset: u64,
        body: &mut dyn std::io::Read,
        length: u64,
    ) -> Result<u64, ClientError> {
        let url = self.url(location, &[]);
        let mut builder = http::Request::builder()
            .method(Method::PATCH)
            .uri(&url)
            .header("Accept", "application/json")
            .header("Accept-Language", self.lang.tag())
            .header(tus::RESUMABLE, tus::VERSION)
            .header(tus::OFFSET, offset.to_string())
            .header("Content-Type", tus::CONTENT_TYPE)
            .header("Content-Length", length.to_string());
        if let Some(token) = &self.token {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        let request = builder
            .body(ureq::SendBody::from_reader(body))
            .map_err(|e| ClientError::Protocol {
                status: 0,
                message: format!("cannot build request: {e}"),
            })?;
        let response = self.finish(self.upload_agent.run(request))?;
        if response.status != 204 {
            return Err(response.into_error());
        }
        response
            .header(tus::OFFSET)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| ClientError::Protocol {
                status: 204,
                message: "tus PATCH without Upload-Offset".to_owned(),
            })
    }

    fn bodiless_tus(&self, method: Method, location: &str) -> Result<RawResponse, ClientError> {
        self.send(
            method,
            location,
            &[],
            &[(tus::RESUMABLE, tus::VERSION)],
            Payload::None,
        )
    }

    /// tus termination.
    pub fn terminate_upload(&self, location: &str) -> Result<(), ClientError> {
        let response = self.bodiless_tus(Method::DELETE, location)?;
        match response.status {
            204 | 404 | 410 => Ok(()),
            _ => Err(response.into_error()),
        }
    }

    pub fn me(&self) -> Result<Me, ClientError> {
        self.get("/api/v1/me", &[])
    }

    /// Changes the caller's own password; the caller's other sessions end, this one goes on.
    pub fn change_password(&self, current: &str, new: &str) -> Result<(), ClientError> {
        let body = crate::users::ChangePasswordRequest {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
        };
        let response = self.send(
            Method::POST,
            "/api/v1/me/password",
            &[],
            &[],
            Self::json(&body)?,
        )?;
        no_content(response)
    }

    // ---- devices ----

    /// Registers this device; `true` when it was created now rather than registered before by this session.
    pub fn register_device(
        &self,
        request: &RegisterDeviceRequest,
    ) -> Result<(Device, bool), ClientError> {
        let response = self.send(
            Method::POST,
            "/api/v1/devices",
            &[],
            &[],
            Self::json(request)?,
        )?;
        let created = response.status == 201;
        Ok((response.into_result()?, created))
    }

    pub fn list_devices(&self, params: &ListParams) -> Result<Page<Device>, ClientError> {
        self.get("/api/v1/devices", &query_pairs(params))
    }

    pub fn get_device(&self, id: Uuid) -> Result<Device, ClientError> {
        self.get(&format!("/api/v1/devices/{id}"), &[])
    }

    pub fn revoke_device(&self, id: Uuid, reason: Option<&str>) -> Result<Device, ClientError> {
        let body = RevokeDeviceRequest {
            reason: reason.map(str::to_owned),
        };
        self.post(&format!("/api/v1/devices/{id}/revoke"), &body)
    }

    // ---- users ----

    pub fn create_user(&self, request: &CreateUserRequest) -> Result<User, ClientError> {
        self.post("/api/v1/users", request)
    }

    pub fn list_users(&self, query: &[(String, String)]) -> Result<Page<User>, ClientError> {
        self.get("/api/v1/users", query)
    }

    pub fn get_user(&self, id: Uuid) -> Result<User, ClientError> {
        self.get(&format!("/api/v1/users/{id}"), &[])
    }

    pub fn update_user(&self, id: Uuid, request: &UpdateUserRequest) -> Result<User, ClientError> {
        self.send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            &[],
            &[],
            Self::json(request)?,
        )?
        .into_result()
    }

    // ---- regions ----

    pub fn list_regions(&self, parent: Option<&str>) -> Result<Vec<Region>, ClientError> {
        let query: Vec<(String, String)> = parent
            .map(|p| ("parent".to_owned(), p.to_owned()))
            .into_iter()
            .collect();
        self.get("/api/v1/regions", &query)
    }

    pub fn get_region(&self, code: &str) -> Result<Region, ClientError> {
        self.get(&format!("/api/v1/regions/{code}"), &[])
    }

    // ---- cooperatives ----

    pub fn create_cooperative(
        &self,
        request: &CreateCooperativeRequest,
    ) -> Result<Cooperative, ClientError> {
        self.post("/api/v1/cooperatives", request)
    }

    pub fn list_cooperatives(
        &self,
        filter: &CooperativeFilter,
    ) -> Result<Page<Cooperative>, ClientError> {
        self.get("/api/v1/cooperatives", &query_pairs(filter))
    }

    pub fn get_cooperative(&self, id: Uuid) -> Result<Cooperative, ClientError> {
        self.get(&format!("/api/v1/cooperatives/{id}"), &[])
    }

    /// Reads a cooperative unless `etag` is still current.
    pub fn get_cooperative_if_changed(
        &self,
        id: Uuid,
        etag: Option<&str>,
    ) -> Result<Conditional<Cooperative>, ClientError> {
        self.get_conditional(&format!("/api/v1/cooperatives/{id}"), etag)
    }

    /// Changes a cooperative; with `if_match`, only if it is unchanged since that tag.
    pub fn update_cooperative(
        &self,
        id: Uuid,
        patch: &UpdateCooperativeRequest,
        if_match: Option<&str>,
    ) -> Result<Cooperative, ClientError> {
        let headers: Vec<(&str, &str)> =
            if_match.map(|tag| ("If-Match", tag)).into_iter().collect();
        self.send(
            Method::PATCH,
            &format!("/api/v1/cooperatives/{id}"),
            &[],
            &headers,
            Self::json(patch)?,
        )?
        .into_result()
    }

    // ---- sync ----

    /// One HTTP batch sync exchange: CBOR, gzip-compressed both ways.
    pub fn sync_batch(
        &self,
        request: &crate::sync::SyncRequest,
    ) -> Result<crate::sync::SyncResponse, ClientError> {
        use std::io::Write;
        let mut cbor = Vec::new();
        ciborium::into_writer(request, &mut cbor).map_err(|e| ClientError::Protocol {
            status: 0,
            message: format!("cannot encode the sync request: {e}"),
        })?;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&cbor)?;
        let compressed = encoder.finish()?;
        let response = self.send(
            Method::POST,
            "/api/v1/sync",
            &[],
            &[("Content-Encoding", "gzip")],
            Payload::Bytes(crate::sync::CBOR, &compressed),
        )?;
        if !(200..300).contains(&response.status) {
            return Err(response.into_error());
        }
        ciborium::from_reader(response.body.as_slice()).map_err(|e| ClientError::Protocol {
            status: response.status,
            message: format!("invalid CBOR reply: {e}"),
        })
    }

    pub fn manifest(&self, cursor: Option<&str>) -> Result<crate::sync::Manifest, ClientError> {
        let query: Vec<(String, String)> = cursor
            .map(|c| ("cursor".to_owned(), c.to_owned()))
            .into_iter()
            .collect();
        self.get("/api/v1/sync/manifest", &query)
    }

    pub fn list_quarantines(
        &self,
        query: &[(String, String)],
    ) -> Result<Page<crate::sync::Quarantine>, ClientError> {
        self.get("/api/v1/quarantines", query)
    }

    pub fn release_quarantine(&self, id: Uuid) -> Result<crate::sync::Quarantine, ClientError> {
        self.send(
            Method::POST,
            &format!("/api/v1/quarantines/{id}/release"),
            &[],
            &[],
            Payload::None,
        )?
        .into_result()
    }

    // ---- imports ----

    pub fn import_regions(&self, file: &[u8]) -> Result<ImportReport, ClientError> {
        self.send(
            Method::POST,
            "/api/v1/imports/regions",
            &[],
            &[],
            Payload::Bytes(content_type_of(file), file),
        )?
        .into_result()
    }

    pub fn import_cooperatives(&self, file: &[u8]) -> Result<ImportReport, ClientError> {
        self.send(
            Method::POST,
            "/api/v1/imports/cooperatives",
            &[],
            &[],
            Payload::Bytes(content_type_of(file), file),
        )?
        .into_result()
    }
}

/// `Ok` for `204 No Content`, the problem otherwise.
fn no_content(response: RawResponse) -> Result<(), ClientError> {
    if response.status == 204 {
        Ok(())
    } else {
        Err(response.into_error())
    }
}

pub(crate) fn content_type_of(file: &[u8]) -> &'static str {
    if file.starts_with(b"PK\x03\x04") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv"
    }
}

/// Turns a flat struct into query pairs, leaving out absent values.
pub fn query_pairs<T: Serialize>(value: &T) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(value) else {
        return Vec::new();
    };
    map.into_iter()
        .filter_map(|(key, value)| match value {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some((key, s)),
            other => Some((key, other.to_string())),
        })
        .collect()
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_query_pairs() {
        let filter = CooperativeFilter {
            q: Some("果蔬 合作社".to_owned()),
            star_min: Some(3),
            nhl_member: Some(true),
            ..CooperativeFilter::default()
        };
        let mut pairs = query_pairs(&filter);
        pairs.sort();
        assert_eq!(
            pairs,
            vec![
                ("nhl_member".to_owned(), "true".to_owned()),
                ("q".to_owned(), "果蔬 合作社".to_owned()),
                ("star_min".to_owned(), "3".to_owned()),
            ]
        );
        assert_eq!(percent_encode("果 a&b"), "%E6%9E%9C%20a%26b");
    }
}
