//! The HTTP layer: what every route stands on (the state, the extractors, the middleware).

pub use crate::{
    access::changeable_sub_merchant,
    auth::{CurrentSession, ProviderSession, SessionCookie},
    error::{ApiJson, ApiPath, ApiQuery},
    middleware::{ClientIp, RequestId},
};
