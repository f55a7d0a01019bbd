//! The counsellors' field app (an offline web app): its page and files (not part of the API, so not in the OpenAPI
//! document).

pub mod redirect;
pub mod serve;
