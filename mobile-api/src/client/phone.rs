//! The phone: login state, device binding, token refresh and the offline registry, as an app embeds them.

use std::path::PathBuf;

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::api::{ApiClient, ListParams};
use super::error::ClientError;
use super::store::{RegistryCopy, SavedSession, Store};
use crate::auth::TokenResponse;
use crate::cooperatives::{Cooperative, CooperativeFilter};
use crate::devices::{Device, RegisterDeviceRequest};
use crate::error::ErrorCode;
use crate::localized::Lang;
use crate::pagination::{MAX_PAGE_SIZE, Page};
use crate::region_code::RegionCode;
use crate::users::Me;

/// How the phone describes itself when it registers.
#[derive(Debug, Clone)]
pub struct PhoneInfo {
    pub device_name: String,
    pub platform: String,
    pub app_version: String,
}

/// Refresh this long before the access token expires, so a request never leaves with a token about to lapse.
const REFRESH_MARGIN_SECS: i64 = 60;

pub struct Phone {
    pub(super) store: Store,
    info: PhoneInfo,
    pub(super) client: Option<ApiClient>,
    pub(super) session: Option<SavedSession>,
    lang: Lang,
}

impl Phone {
    /// Opens the phone's state directory, picking up a saved session.
    pub fn open(dir: impl Into<PathBuf>, info: PhoneInfo) -> Result<Self, ClientError> {
        let store = Store::open(dir)?;
        let session = store.load_session()?;
        let client = session.as_ref().map(|s| {
            let mut client = ApiClient::new(&s.server);
            client.set_token(s.access_token.clone());
            client
        });
        Ok(Self {
            store,
            info,
            client,
            session,
            lang: Lang::Zh,
        })
    }

    /// Language of server messages (Chinese by default).
    pub fn set_language(&mut self, lang: Lang) {
        self.lang = lang;
        if let Some(client) = &mut self.client {
            client.set_language(lang);
        }
    }

    pub fn session(&self) -> Option<&SavedSession> {
        self.session.as_ref()
    }

    pub fn device(&self) -> Option<&Device> {
        self.session.as_ref().and_then(|s| s.device.as_ref())
    }

    pub fn state_dir(&self) -> &std::path::Path {
        self.store.dir()
    }

    /// Logs in and makes sure this phone is a registered device. A phone registered before (same server and user)
    /// keeps its device and actor id; one whose device was revoked registers anew.
    pub fn login(
        &mut self,
        server: &str,
        username: &str,
        password: &str,
    ) -> Result<&SavedSession, ClientError> {
        let mut client = ApiClient::new(server);
        client.set_language(self.lang);
        let known_device = self
            .session
            .as_ref()
            .filter(|s| {
                s.server == client.base_url()
                    && s.user.username == username.trim().to_ascii_lowercase()
            })
            .and_then(|s| s.device.as_ref())
            .filter(|d| d.revoked_at.is_none())
            .map(|d| d.id);
        let tokens = match client.login(username, password, known_device) {
            Err(error)
                if known_device.is_some()
                    && matches!(
                        error.code(),
                        Some(ErrorCode::DeviceRevoked | ErrorCode::DeviceUnknown)
                    ) =>
            {
                client.login(username, password, None)?
            }
            other => other?,
        };
        client.set_token(Some(tokens.access_token.clone()));
        let device = match tokens.device_id {
            Some(id) => Some(client.get_device(id)?),
            None => {
                let request = RegisterDeviceRequest {
                    name: self.info.device_name.clone(),
                    platform: self.info.platform.clone(),
                    app_version: self.info.app_version.clone(),
                };
                Some(client.register_device(&request)?.0)
            }
        };
        let session = saved_from(client.base_url(), &tokens, device);
        self.store.save_session(&session)?;
        self.client = Some(client);
        self.session = Some(session);
        self.session.as_ref().ok_or(ClientError::NotLoggedIn)
    }

    /// Ends the session on the server (when reachable) and forgets the tokens; the device registration stays so the
    /// next login reuses it.
    pub fn logout(&mut self) -> Result<(), ClientError> {
        let Some(session) = self.session.clone() else {
            return Ok(());
        };
        let outcome = match &self.client {
            Some(client) => match client.logout(session.refresh_token.as_deref()) {
                Err(ClientError::Api(problem)) if problem.status == 401 => Ok(()),
                other => other,
            },
            None => Ok(()),
        };
        self.forget_tokens()?;
        self.store.remove_registry()?;
        outcome
    }

    fn forget_tokens(&mut self) -> Result<(), ClientError> {
        if let Some(session) = &mut self.session {
            session.access_token = None;
            session.access_expires_at = None;
            session.refresh_token = None;
            self.store.save_session(session)?;
        }
        if let Some(client) = &mut self.client {
            client.set_token(None);
        }
        Ok(())
    }

    /// Gets a new access token with the refresh token. If the answer is lost on the way, the same refresh token stays
    /// stored and a later retry is answered with the same new tokens.
    pub fn refresh(&mut self) -> Result<(), ClientError> {
        let (client, session) = match (&mut self.client, &mut self.session) {
            (Some(client), Some(session)) => (client, session),
            _ => return Err(ClientError::NotLoggedIn),
        };
        let refresh_token = session
            .refresh_token
            .clone()
            .ok_or(ClientError::NotLoggedIn)?;
        match client.refresh(&refresh_token) {
            Ok(tokens) => {
                let device = session.device.clone();
                *session = saved_from(client.base_url(), &tokens, device);
                client.set_token(Some(tokens.access_token));
                self.store.save_session(session)?;
                Ok(())
            }
            Err(error) => {
                if let Some(code) = error.code() {
                    if code == ErrorCode::DeviceRevoked
                        && let Some(device) = &mut session.device
                    {
                        device.revoked_at = Some(Utc::now());
                    }
                    if matches!(
                        code,
                        ErrorCode::RefreshTokenInvalid
                            | ErrorCode::RefreshTokenReused
                            | ErrorCode::SessionRevoked
                            | ErrorCode::DeviceRevoked
                            | ErrorCode::AccountDisabled
                    ) {
                        self.forget_tokens()?;
                    }
                }
                Err(error)
            }
        }
    }

    /// Runs a call with a valid access token: refreshes first when it is about to expire, and once more if the server
    /// says it expired anyway (clock skew).
    pub(super) fn call<T>(
        &mut self,
        f: impl Fn(&ApiClient) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        let session = self.session.as_ref().ok_or(ClientError::NotLoggedIn)?;
        if !session.is_logged_in() {
            return Err(ClientError::NotLoggedIn);
        }
        let expiring = session
            .access_expires_at
            .is_none_or(|at| at - Utc::now() < Duration::seconds(REFRESH_MARGIN_SECS));
        if expiring || session.access_token.is_none() {
            self.refresh()?;
        }
        let client = self.client.as_ref().ok_or(ClientError::NotLoggedIn)?;
        match f(client) {
            Err(error) if error.code() == Some(ErrorCode::TokenExpired) => {
                self.refresh()?;
                let client = self.client.as_ref().ok_or(ClientError::NotLoggedIn)?;
                f(client)
            }
            Err(error) => {
                if matches!(
                    error.code(),
                    Some(
                        ErrorCode::DeviceRevoked
                            | ErrorCode::SessionRevoked
                            | ErrorCode::AccountDisabled
                    )
                ) {
                    if error.code() == Some(ErrorCode::DeviceRevoked)
                        && let Some(device) = self.session.as_mut().and_then(|s| s.device.as_mut())
                    {
                        device.revoked_at = Some(Utc::now());
                    }
                    self.forget_tokens()?;
                }
                Err(error)
            }
            ok => ok,
        }
    }

    pub fn me(&mut self) -> Result<Me, ClientError> {
        self.call(|client| client.me())
    }

    /// One page of the cooperatives of the user's regions, from the server.
    pub fn list_cooperatives(
        &mut self,
        filter: &CooperativeFilter,
    ) -> Result<Page<Cooperative>, ClientError> {
        self.call(|client| client.list_cooperatives(filter))
    }

    pub fn get_cooperative(&mut self, id: Uuid) -> Result<Cooperative, ClientError> {
        self.call(|client| client.get_cooperative(id))
    }

    pub fn list_devices(&mut self) -> Result<Vec<Device>, ClientError> {
        self.call(|client| {
            client
                .list_devices(&ListParams::default())
                .map(|page| page.items)
        })
    }

    pub fn revoke_device(&mut self, id: Uuid, reason: Option<&str>) -> Result<Device, ClientError> {
        self.call(|client| client.revoke_device(id, reason))
    }

    /// Downloads every cooperative of the user's regions for offline use; returns how many.
    pub fn download_registry(
        &mut self,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize, ClientError> {
        let mut cooperatives = Vec::new();
        let mut cursor = None;
        loop {
            let filter = CooperativeFilter {
                cursor: cursor.clone(),
                limit: Some(MAX_PAGE_SIZE),
                ..CooperativeFilter::default()
            };
            let page = self.list_cooperatives(&filter)?;
            cooperatives.extend(page.items);
            progress(cooperatives.len());
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let count = cooperatives.len();
        self.store.save_registry(&RegistryCopy {
            downloaded_at: Some(Utc::now()),
            cooperatives,
        })?;
        Ok(count)
    }

    /// Searches the downloaded registry without any link: text in name, credit code or legal representative, and an
    /// optional region (with everything below it).
    pub fn search_offline(
        &self,
        text: Option<&str>,
        region: Option<&RegionCode>,
    ) -> Result<Vec<Cooperative>, ClientError> {
        let registry = self.store.load_registry()?;
        let needle = text
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty());
        Ok(registry
            .cooperatives
            .into_iter()
            .filter(|c| {
                needle.as_ref().is_none_or(|n| {
                    c.name.to_lowercase().contains(n)
                        || c.uscc
                            .as_ref()
                            .is_some_and(|u| u.as_str().to_lowercase().contains(n))
                        || c.legal_representative
                            .as_ref()
                            .is_some_and(|l| l.to_lowercase().contains(n))
                })
            })
            .filter(|c| {
                region.is_none_or(|r| c.region_code == *r || (r.may_contain(&c.region_code)))
            })
            .collect())
    }

    /// When the offline copy was made, and how many cooperatives it holds.
    pub fn offline_registry_status(
        &self,
    ) -> Result<(Option<chrono::DateTime<Utc>>, usize), ClientError> {
        let registry = self.store.load_registry()?;
        Ok((registry.downloaded_at, registry.cooperatives.len()))
    }
}

fn saved_from(server: &str, tokens: &TokenResponse, device: Option<Device>) -> SavedSession {
    SavedSession {
        server: server.to_owned(),
        user: tokens.user.clone(),
        session_id: tokens.session_id,
        access_token: Some(tokens.access_token.clone()),
        access_expires_at: Some(Utc::now() + Duration::seconds(tokens.expires_in as i64)),
        refresh_token: Some(tokens.refresh_token.clone()),
        device,
    }
}
