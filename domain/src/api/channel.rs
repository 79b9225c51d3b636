//! The WeChat Pay access channel of a sub-merchant (微信支付接入渠道): what the list shows and
//! filters by, what 切换渠道 sets and what the audit record names.

crate::wire_enum! {
    /// The WeChat Pay access channel (微信支付接入渠道).
    pub enum WechatChannel {
        /// 官方直连.
        OfficialDirect = "official_direct",
        /// 微信买单.
        WechatMaidan = "wechat_maidan",
    }
}

impl WechatChannel {
    /// The channel as a person reads it (官方直连 / 微信买单).
    pub const fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            WechatChannel::OfficialDirect => lang.pick("官方直连", "Official direct"),
            WechatChannel::WechatMaidan => lang.pick("微信买单", "WeChat Maidan"),
        }
    }
}
