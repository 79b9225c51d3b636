//! The translation catalogue: every visible string, keyed, in both languages.
//!
//! The language is a signal in context; it persists in `localStorage` and sets `<html lang>`.
//! Error and field messages are not here: they come with their rules from `domain`.
//!
//! Long on purpose: one catalogue, each entry with both languages side by side, so that a
//! string without its translation cannot be written.

use std::cell::Cell;

use domain::Lang;
use leptos::prelude::*;

const STORAGE_KEY: &str = "console.lang";

thread_local! {
    /// The language the API client asks the server to answer in.
    static REQUEST_LANG: Cell<Lang> = const { Cell::new(Lang::Zh) };
}

/// The language for outgoing requests (`Accept-Language`).
pub fn request_lang() -> Lang {
    REQUEST_LANG.with(Cell::get)
}

macro_rules! catalogue {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// A visible string: its Chinese and its English text. Each key is a constant of its
        /// own (not a variant of one big `match`), so that a bundle carries only the texts it
        /// names: the login page does not download the console's catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Key(&'static [&'static str; 2]);

        #[allow(non_upper_case_globals)]
        impl Key {
            $(pub const $key: Key = Key(&[$zh, $en]);)*

            /// Every key, for tests that check the catalogue is complete.
            pub const ALL: &'static [Key] = &[$(Key::$key),*];
        }
    };
}

impl Key {
    pub const fn text(self, lang: Lang) -> &'static str {
        lang.pick(self.0[0], self.0[1])
    }
}

catalogue! {
    ProductName => "云支付控制台", "Cloud Pay Console";
    ProductTagline => "微信买单服务商接入云支付", "Bring your WeChat Maidan business into Cloud Pay";
    Sandbox => "沙箱", "Sandbox";
    SandboxHint => "当前连接的是微信买单沙箱环境，数据均为演示数据。", "Connected to the WeChat Maidan sandbox: all data is demo data.";
    LanguageSwitch => "English", "中文";
    LanguageSwitchTitle => "Switch to English", "切换为中文";
    Loading => "加载中…", "Loading…";
    RequestId => "请求 ID", "Request ID";

    LoginTitle => "登录云支付控制台", "Sign in to Cloud Pay Console";
    LoginSubtitle => "使用腾讯云账号 ID 和密码登录", "Sign in with your Tencent Cloud account ID and password";
    AccountId => "腾讯云账号 ID", "Tencent Cloud account ID";
    AccountIdPlaceholder => "5–20 位数字，如 100000000001", "5–20 digits, e.g. 100000000001";
    Password => "密码", "Password";
    SignIn => "登录", "Sign in";
    SigningIn => "正在登录…", "Signing in…";
    DemoAccounts => "沙箱演示账号（密码 sandbox-demo）", "Sandbox demo accounts (password sandbox-demo)";
    SignOut => "退出登录", "Sign out";

    NavOverview => "概览", "Overview";
    RoleProvider => "服务商", "Provider";
    RoleSubProvider => "子服务商", "Sub-provider";

    OverviewTitle => "账号概览", "Account overview";
    OverviewAccount => "当前登录账号", "Signed-in account";
    OverviewName => "账号名称", "Account name";
    OverviewRole => "账号类型", "Account type";
    OverviewSessionEnds => "登录有效期至", "Session valid until";
    OverviewGuideTitle => "接入微信买单业务的步骤", "Bringing WeChat Maidan business into Cloud Pay";
    GuideStep1 => "同步买单服务商：服务商助手管理员用微信扫码确认，服务商即同步到当前账号。", "Sync WeChat Maidan providers: an assistant admin scans a QR code with WeChat; the providers land in this account.";
    GuideStep2 => "配置服务商：填写微信支付信息和支付宝信息，基本信息可选。", "Configure providers: WeChat Pay and Alipay details; basic info is optional.";
    GuideStep3 => "同步买单子商户：一键同步所有服务商的全部子商户。", "Sync sub-merchants: one click syncs every sub-merchant of every provider.";
    GuideStep4 => "配置子商户：重置认证密钥和签名公私钥并妥善保存。", "Configure sub-merchants: reset the authentication key and signing key pair, and keep them safe.";
    GuideStep5 => "按需修改子服务商、切换微信买单通道或开通微信买单。", "As needed: change sub-providers, switch to the WeChat Maidan channel, or open WeChat Maidan.";

    NavProviders => "服务商账户管理(新)", "Providers";
    ProvidersTitle => "服务商账户管理(新)", "Providers";
    ProvidersSubtitle => "当前账号下已同步的微信买单服务商。", "WeChat Maidan providers synced into this account.";
    SyncProviders => "同步买单服务商信息", "Sync WeChat Maidan providers";
    SearchProviders => "搜索服务商名称或 ID", "Search by provider name or ID";
    Search => "搜索", "Search";
    ColProviderName => "服务商名称", "Provider name";
    ColProviderId => "买单服务商 ID", "Maidan provider ID";
    ColWechatPay => "微信支付信息", "WeChat Pay";
    ColAlipay => "支付宝信息", "Alipay";
    ColSyncedAt => "同步时间", "Synced at";
    Configured => "已配置", "Configured";
    NotConfigured => "未配置", "Not configured";
    EmptyProvidersTitle => "还没有同步过来的服务商", "No providers synced yet";
    EmptyProvidersBody => "单击【同步买单服务商信息】，用微信买单服务商助手管理员的微信扫码并确认，该管理员名下的所有服务商都会同步到当前账号。", "Click Sync WeChat Maidan providers, then scan the QR code with the WeChat of a WeChat Maidan provider assistant admin and confirm: every provider that admin manages lands in this account.";
    NoMatches => "没有符合条件的服务商。", "No provider matches.";
    PagerSummary => "共 {total} 条，第 {page}/{pages} 页", "{total} in all, page {page} of {pages}";
    PrevPage => "上一页", "Previous";
    NextPage => "下一页", "Next";
    Close => "关闭", "Close";

    SyncDialogTitle => "同步买单服务商信息", "Sync WeChat Maidan providers";
    SyncTarget => "扫码确认后，服务商将同步到腾讯云账号", "After confirmation, providers land in Tencent Cloud account";
    QrLabel => "服务商同步二维码", "Provider sync QR code";
    ExpiresIn => "二维码 {s} 秒后过期", "Expires in {s} s";
    QrExpired => "二维码已过期", "The QR code has expired";
    RefreshQr => "刷新二维码", "Refresh QR code";
    Retry => "重试", "Retry";
    StepPending => "待扫码", "Waiting for scan";
    StepScanned => "已扫码", "Scanned";
    StepSyncing => "同步中", "Syncing";
    StepCompleted => "完成", "Done";
    StateCancelled => "二维码已在手机上取消，可刷新二维码后重新扫码。", "The code was cancelled on the phone. Refresh it to scan again.";
    StateFailed => "同步失败，请刷新二维码后重试。", "The sync failed. Refresh the code and try again.";
    ScannedHint => "已扫码，请在手机上确认。", "Scanned: confirm on the phone.";
    ConnectionRetrying => "连接中断，正在重试…", "Connection lost, retrying…";
    WarnAdminOnly => "必须使用微信买单服务商助手管理员的微信来扫码。", "Scan with the WeChat of a WeChat Maidan provider assistant admin.";
    WarnLandsHere => "扫码确认之后，服务商信息会同步到当前登录（即弹出二维码）的腾讯云账号下。", "After confirmation, the providers are synced into the Tencent Cloud account that is signed in here (the one showing this code).";
    WarnNoSharing => "不要随意截屏并分享该二维码给他人，也不要随意扫他人的二维码，以免发生误同步操作。", "Do not screenshot or share this code, and do not scan anyone else's, to avoid syncing into the wrong account.";
    WarnRescan => "每次在微信买单新增了服务商，都需要重新扫码同步。", "Whenever a provider is added in WeChat Maidan, scan again to sync it.";
    ResultTitle => "同步完成", "Sync complete";
    ResultConfirmedBy => "确认人", "Confirmed by";
    ResultNew => "新增", "New";
    ResultUpdated => "更新", "Updated";
    ResultUnchanged => "未变化", "Unchanged";
    ResultSkipped => "跳过", "Skipped";

    MobileTitle => "同步买单服务商到云支付", "Sync WeChat Maidan providers to Cloud Pay";
    MobileTarget => "目标腾讯云账号", "Target Tencent Cloud account";
    MobileRequested => "二维码生成时间", "Code requested at";
    MobileRequestedIp => "生成二维码的 IP", "Requested from IP";
    MobileWho => "确认人（微信）", "Confirming as (WeChat)";
    MobileSigningIn => "正在前往微信授权登录…", "Going to WeChat to sign in…";
    MobileSignInAgain => "重新授权登录", "Sign in again";
    MobileConfirm => "确认", "Confirm";
    MobileCancel => "取消", "Cancel";
    MobileCancelled => "已取消，本次不会同步任何服务商。", "Cancelled: nothing will be synced.";
    MobileDone => "同步完成，可以关闭此页面。", "Synced. You can close this page.";
    MobileCheck => "请确认目标账号是您本人的腾讯云账号；若不认识该账号，请取消。", "Make sure the target is your own Tencent Cloud account; if you do not recognise it, cancel.";

    NavAudit => "操作记录", "Activity log";
    NavLabel => "主导航", "Main navigation";
    Menu => "菜单", "Menu";
    ProviderDetailTitle => "服务商详情", "Provider details";
    BackToProviders => "返回服务商列表", "Back to providers";
    SyncedName => "同步名称", "Synced name";
    WechatPaySection => "微信支付信息", "WeChat Pay";
    WechatPayHint => "使用支付服务前必须配置。", "Required before taking payments.";
    AlipaySection => "支付宝信息", "Alipay";
    AlipayHint => "使用支付宝收款前必须配置。", "Required before taking Alipay payments.";
    BasicSection => "基本信息（可选）", "Basic info (optional)";
    FieldMerchantId => "商户号", "Merchant ID";
    FieldAppId => "AppID", "AppID";
    FieldApiKey => "API 密钥", "API key";
    FieldRebate => "返佣比例（%）", "Rebate ratio (%)";
    FieldAlipayAppId => "服务商应用ID", "Application AppID";
    FieldPid => "PID（合作伙伴身份）", "Partner ID (PID)";
    FieldAppPrivateKey => "应用签名私钥", "Application signing private key";
    FieldAlipayPublicKey => "支付宝验签公钥", "Alipay verification public key";
    FieldName => "服务商名称", "Provider name";
    FieldShortName => "服务商简称", "Short name";
    FieldCallbackUrl => "交易完成回调地址", "Trade-completed callback URL";
    FieldAdUrl => "广告链接", "Ad link";
    FieldCompanyRemark => "公司备注", "Company remark";
    FieldProviderRemark => "服务商备注", "Provider remark";
    SecretKept => "已设置 {hint}（{at}）。留空则保持不变。", "Set {hint} ({at}). Leave blank to keep it.";
    SecretNotSet => "尚未设置。保存后仅显示掩码，无法再次查看。", "Not set. After saving it is only shown masked and cannot be read back.";
    FieldCertificate => "API 证书（apiclient_cert.p12）", "API certificate (apiclient_cert.p12)";
    FieldCertificatePassword => "证书密码（留空则为商户号）", "Certificate password (blank: the merchant ID)";
    CertificateSet => "证书序列号 {serial}，有效期至 {until}。重新选择文件即可更换。", "Serial {serial}, valid until {until}. Choose a file to replace it.";
    CertificateExpiring => "证书将在 30 天内到期，请尽快在微信支付商户平台更换并重新上传。", "The certificate expires within 30 days: renew it on the WeChat Pay merchant platform and upload it again.";
    CertificateNotSet => "尚未上传。证书仅保存在服务端且加密存储。", "Not uploaded. It is kept only on the server, encrypted.";
    FileChosen => "已选择：{name}，保存后生效。", "Chosen: {name}; it takes effect when saved.";
    FieldLogo => "Logo（PNG/JPEG，≤200 KB）", "Logo (PNG/JPEG, ≤200 KB)";
    FieldAdImage => "广告图片（PNG/JPEG，≤200 KB）", "Ad image (PNG/JPEG, ≤200 KB)";
    Remove => "移除", "Remove";
    Save => "保存", "Save";
    Saving => "正在保存…", "Saving…";
    Saved => "已保存", "Saved";
    Edit => "编辑", "Edit";
    AuditTitle => "操作记录", "Activity log";
    AuditSubtitle => "当前账号下的配置变更，只记录字段名，不记录任何密钥的值。", "Configuration changes in this account: field names only, never secret values.";
    ColTime => "时间", "Time";
    ColActor => "操作账号", "By";
    ColAction => "操作", "Action";
    ColTarget => "对象", "Target";
    ColFields => "变更字段", "Fields";
    AuditEmpty => "还没有操作记录。", "No activity yet.";
    ActionBasic => "修改服务商基本信息", "Changed provider basic info";
    ActionWechat => "修改服务商微信支付信息", "Changed provider WeChat Pay info";
    ActionAlipay => "修改服务商支付宝信息", "Changed provider Alipay info";

    NavSubMerchants => "子商户管理(新)", "Sub-merchants";
    SubMerchantsTitle => "子商户管理(新)", "Sub-merchants";
    SubMerchantsSubtitle => "当前账号下所有服务商的买单子商户。", "WeChat Maidan sub-merchants of every provider in this account.";
    SyncSubMerchants => "同步买单子商户", "Sync Maidan sub-merchants";
    SyncRunning => "同步进行中…", "Sync running…";
    GoSyncProviders => "去同步服务商", "Sync WeChat Maidan providers";
    AllProviders => "全部服务商", "All providers";
    AllChannels => "全部渠道", "All channels";
    ChannelDirect => "官方直连", "Official direct";
    ChannelMaidan => "微信买单", "WeChat Maidan";
    SearchSubMerchants => "搜索子商户名称或商户号", "Search by name or merchant ID";
    ExportCsv => "导出 CSV", "Export CSV";
    ColSubMerchantName => "子商户名称", "Sub-merchant";
    ColMerchantId => "微信支付商户号", "WeChat Pay merchant ID";
    ColProvider => "所属服务商", "Provider";
    ColChannel => "微信支付渠道", "WeChat Pay channel";
    ColMaidan => "微信买单", "WeChat Maidan";
    ColSubProvider => "子服务商账号", "Sub-provider account";
    ColKeys => "密钥", "Keys";
    Opened => "已开通", "Opened";
    NotOpened => "未开通", "Not opened";
    KeysSet => "已设置", "Set";
    KeysNotSet => "未设置", "Not set";
    SwitchChannel => "切换渠道", "Switch channel";
    SwitchToMaidan => "切换到微信买单", "Switch to WeChat Maidan";
    SwitchToDirect => "切换到官方直连", "Switch to official direct";
    SwitchConfirmTitle => "确认切换微信支付渠道", "Switch the WeChat Pay channel?";
    SwitchConfirmOne => "将「{name}」（{merchant_id}）的微信支付渠道由【{from}】切换为【{to}】。", "Switch {name} ({merchant_id}) from {from} to {to}.";
    SwitchConfirmMany => "将以下 {count} 个子商户的微信支付渠道切换为【{to}】：", "Switch these {count} sub-merchants to {to}:";
    SwitchMaidanHint => "切换到微信买单前，会向微信确认该商户号已开通微信买单；未开通的会被拒绝，其余照常切换。", "Before switching to WeChat Maidan, WeChat confirms each merchant ID has opened Maidan; those that have not are refused, the rest switch.";
    ConfirmSwitch => "确认切换", "Switch";
    Cancel => "取消", "Cancel";
    Switching => "正在切换…", "Switching…";
    SelectedCount => "已选 {count} 个子商户", "{count} selected";
    ClearSelection => "取消选择", "Clear selection";
    SelectRow => "选择此子商户", "Select this sub-merchant";
    SelectPage => "选择本页全部子商户", "Select every sub-merchant on this page";
    ColActions => "操作", "Actions";
    SwitchResults => "切换结果：成功 {ok} 个，未切换 {failed} 个。", "Result: {ok} switched, {failed} not switched.";
    SwitchedTo => "已切换为【{to}】", "Switched to {to}";
    SwitchedOne => "「{name}」（{merchant_id}）已切换为【{to}】。", "{name} ({merchant_id}) switched to {to}.";
    NotSwitchedOne => "「{name}」（{merchant_id}）未切换：{reason}", "{name} ({merchant_id}) not switched: {reason}";
    ReasonAfter => "：{reason}", ": {reason}";
    OpenMaidan => "去开通微信买单", "Open WeChat Maidan";
    SubMerchantTitle => "子商户详情", "Sub-merchant";
    BackToSubMerchants => "← 返回子商户列表", "← Back to sub-merchants";
    SubMerchantBasic => "基本信息", "Basic information";
    FieldSubMerchantName => "子商户名称", "Sub-merchant name";
    FieldChannel => "微信支付接入渠道", "WeChat Pay channel";
    FieldSubProvider => "子服务商腾讯云账号 ID", "Sub-provider Tencent Cloud account ID";
    FieldMaidanOpened => "微信买单", "WeChat Maidan";
    FieldSyncedAt => "最近同步", "Last synced";
    ProfileTitle => "子商户资料", "Sub-merchant profile";
    ProfileHint => "简称、管理员、Logo 和广告，均为可选；保存后立即生效。", "Short name, admin, logo and ad, all optional; saved at once.";
    FieldMerchantShortName => "简称", "Short name";
    FieldAdminName => "管理员姓名", "Admin name";
    FieldAdminEmail => "管理员邮箱", "Admin email";
    NotEntered => "未填写", "Not entered";
    LogoShort => "Logo", "Logo";
    AdImageShort => "广告图片", "Ad image";
    KeysTitle => "认证密钥和签名公私钥", "Authentication key and signing key pair";
    KeysNone => "尚未设置密钥。重置后，子商户的收银设备和系统才能调用云支付。", "No keys yet. Reset them before the merchant's devices and systems can call Cloud Pay.";
    KeyReset => "重置认证密钥和签名公私钥", "Reset the authentication key and signing key pair";
    KeyFingerprint => "签名公钥指纹（SHA-256）", "Signing public key fingerprint (SHA-256)";
    KeyAuthLast4 => "认证密钥末 4 位", "Authentication key, last 4 characters";
    KeyResetAt => "重置时间", "Reset at";
    KeyResetBy => "操作账号", "Reset by";
    KeyResetWarn => "重置后，使用旧密钥的收银设备和系统会立即无法调用云支付，请在重置后尽快把新密钥配置到设备上。", "Devices and systems using the old keys stop working at once: configure the new keys on them right after the reset.";
    KeyResetHow => "签名私钥（RSASSA-PSS 2048 / SHA-256）在本浏览器中生成，不会发送到服务器；认证密钥由服务器生成。两者都只显示这一次。", "The signing private key (RSASSA-PSS 2048 / SHA-256) is made in this browser and never sent; the server makes the authentication key. Both are shown this once.";
    KeyResetTypeId => "请输入子商户的微信支付商户号 {merchant_id} 以确认", "Type the merchant ID {merchant_id} to confirm";
    KeyResetMismatch => "与该子商户的商户号不一致。", "This is not the sub-merchant's merchant ID.";
    ConfirmReset => "确认重置", "Reset keys";
    Generating => "正在生成密钥…", "Making the keys…";
    KeyMismatch => "服务器保存的公钥与本浏览器生成的不一致，本次生成的私钥不可用。请重新重置，如仍出现请联系管理员。", "The server kept a public key other than the one made here, so this private key cannot be used. Reset again; if it happens again, contact your administrator.";
    KeyGenFailed => "此浏览器无法生成密钥（需要通过 HTTPS 访问控制台，并使用较新的浏览器）：{detail}", "This browser could not make the keys (the console must be opened over HTTPS, in a recent browser): {detail}";
    KeysIssued => "请立即保存以下密钥。关闭此窗口后将无法再次查看，只能重新重置。", "Save these keys now. Once this window closes they cannot be shown again; only a new reset helps.";
    FieldAuthKey => "认证密钥", "Authentication key";
    FieldPrivateKey => "签名私钥（PKCS#8 PEM）", "Signing private key (PKCS#8 PEM)";
    Copy => "复制", "Copy";
    Copied => "已复制", "Copied";
    CopyFailed => "无法复制，请手动选中后复制。", "Could not copy: select the text and copy it by hand.";
    DownloadKeys => "下载密钥文件", "Download key file";
    SavedKeys => "我已保存", "I have saved them";
    SaveFirst => "请先保存密钥并勾选【我已保存】，再关闭此窗口。", "Save the keys and tick I have saved them before closing this window.";
    Done => "完成", "Done";
    FieldOutSubMchId => "云支付子商户 ID（out_sub_mch_id）", "Cloud Pay sub-merchant ID (out_sub_mch_id)";
    FieldOutMchId => "云支付服务商 ID（out_mch_id）", "Cloud Pay provider ID (out_mch_id)";
    FieldAuthType => "认证类型", "Authentication type";
    FieldSignType => "签名类型", "Signature type";
    KeyFileTitle => "云支付子商户密钥", "Cloud Pay sub-merchant keys";
    KeyFileKeep => "请妥善保管本文件，不要通过聊天工具或邮件发送。", "Keep this file safe; never send it by chat or email.";
    AlipayTitle => "支付宝子商户授权（可选）", "Alipay sub-merchant authorization (optional)";
    AlipayAuthorize => "支付宝授权", "Authorize Alipay";
    AlipayReauthorize => "重新授权", "Authorize again";
    AlipayAuthorized => "已授权", "Authorized";
    AlipayNotAuthorized => "未授权", "Not authorized";
    AlipayUserId => "支付宝用户 ID", "Alipay user ID";
    AlipayAuthorizedAt => "授权时间", "Authorized at";
    AlipayWhy => "授权后，服务商可以代该子商户收取支付宝付款。", "Once authorized, the provider can collect Alipay payments for this sub-merchant.";
    AlipayQrLabel => "支付宝授权二维码", "Alipay authorization QR code";
    AlipayScan => "请子商户用手机扫描二维码，登录子商户的支付宝账号并确认授权。二维码只能使用一次。", "Have the merchant scan this code with a phone, sign in to the merchant's Alipay account and confirm. The code works once.";
    AlipayScanned => "已扫码，等待子商户在手机上确认授权…", "Scanned: waiting for the merchant to confirm on the phone…";
    AlipayDone => "授权成功：支付宝用户 {user_id}。", "Authorized by Alipay user {user_id}.";
    AlipayCancelled => "子商户在手机上取消了授权，可刷新二维码后重新扫码。", "The merchant cancelled on the phone. Refresh the code to scan again.";
    MobileAlipayTitle => "支付宝 · 子商户授权", "Alipay · Sub-merchant authorization";
    MobileAlipayAsk => "服务商「{provider}」请求代子商户「{name}」（商户号 {merchant_id}）收取支付宝付款。", "Provider {provider} asks to collect Alipay payments for {name} (merchant ID {merchant_id}).";
    MobileAlipayWho => "授权的支付宝账号", "Authorizing Alipay account";
    MobileAlipaySigningIn => "正在前往支付宝授权…", "Going to Alipay to authorize…";
    MobileAlipayConfirm => "确认授权", "Authorize";
    MobileAlipayDone => "授权成功，可以回到电脑上查看。", "Authorized. You can go back to the computer.";
    MobileAlipayCancelled => "已取消，本次不会授权。", "Cancelled: nothing was authorized.";
    ActionKeysReset => "重置认证密钥和签名公私钥", "Reset the authentication key and signing key pair";
    ActionAlipayAuthorized => "支付宝子商户授权", "Authorized Alipay";
    ActionPasswordChanged => "修改密码", "Changed the password";
    ActionProvidersSynced => "同步买单服务商信息", "Synced WeChat Maidan providers";
    ActionSubMerchantSyncStarted => "同步买单子商户", "Started a sub-merchant sync";
    ActionProviderUnbound => "解绑服务商", "Unbound a provider";
    UnbindTitle => "解绑服务商", "Unbind this provider";
    UnbindHint => "解绑后，该服务商及其下全部子商户（含密钥和交易记录）将从本账号移除，且不可撤销。如果是误同步，解绑后可由正确账号重新【同步买单服务商信息】。", "Unbinding removes this provider and all its sub-merchants (with their keys and transactions) from this account, and cannot be undone. If it was synced by mistake, the right account can then sync it again with Sync WeChat Maidan providers.";
    UnbindConfirmLabel => "输入服务商 ID {id} 以确认", "Type the provider ID {id} to confirm";
    Unbind => "解绑", "Unbind";
    Unbound => "服务商 {id} 已解绑，其子商户已从本账号移除。", "Provider {id} was unbound; its sub-merchants left this account.";
    LastSync => "{time} 由 {who} 发起", "Started {time} by {who}";
    ChangePassword => "修改密码", "Change password";
    ChangePasswordTitle => "修改密码", "Change password";
    ChangePasswordSubtitle => "修改后，此账号在其他设备上的登录会立即退出，当前页面保持登录。", "Afterwards this account is signed out everywhere else at once; this page stays signed in.";
    FieldCurrentPassword => "当前密码", "Current password";
    FieldNewPassword => "新密码（12–128 个字符）", "New password (12–128 characters)";
    FieldNewPasswordAgain => "再次输入新密码", "New password again";
    PasswordChanged => "密码已修改，其他设备上的登录已退出。", "Password changed. Other devices have been signed out.";
    SignOutEverywhere => "退出所有设备", "Sign out everywhere";
    SignOutEverywhereHint => "此账号在所有设备（包括本设备）上的登录都会立即退出。设备丢失或在他人电脑上忘记退出时使用。", "Ends this account's sessions on every device, this one included. Use it when a device is lost or was left signed in.";
    HistoryTitle => "变更记录", "Change history";
    HistoryEmpty => "还没有变更记录。", "No changes yet.";
    ActionChannelMaidan => "切换渠道为微信买单", "Switched channel to WeChat Maidan";
    ActionChannelDirect => "切换渠道为官方直连", "Switched channel to official direct";
    ReattributionRunning => "历史交易归属调整中：已处理 {processed} / {total} 笔。这个过程比较耗时，不会立即完成，建议过段时间之后再查询交易数据进行确认。调整在服务端进行，可以离开此页面，完成后这里会显示。", "Moving past transactions to the new sub-provider: {processed} of {total}. This takes a while and does not finish at once: check the transactions again after some time to confirm. It runs on the server; you can leave this page.";
    ReattributionDone => "历史交易已全部归属到新的子服务商。", "Every past transaction now belongs to the new sub-provider.";
    ReattributionDoneToProvider => "历史交易已全部归属到服务商本身。", "Every past transaction now belongs to the provider itself.";
    ReattributionFailed => "历史交易归属调整失败：{error}", "Moving past transactions failed: {error}";
    SeeTransactions => "查看交易", "See transactions";
    NavSubProviders => "子服务商", "Sub-providers";
    NavTransactions => "交易查询", "Transactions";
    TransactionsTitle => "交易查询", "Transactions";
    TransactionsSubtitle => "云支付记录的子商户交易，按子商户、子服务商和日期（北京时间）筛选。", "Payments Cloud Pay recorded, by sub-merchant, sub-provider and date (China time).";
    FilterSubMerchant => "子商户（微信支付商户号或名称）", "Sub-merchant (WeChat Pay merchant ID or name)";
    FilterFrom => "开始日期", "From";
    FilterTo => "结束日期", "To";
    TransactionTotals => "共 {count} 笔，合计 {amount}", "{count} payments, {amount} in total";
    TotalsChanging => "历史交易归属调整中：与筛选条件相关的交易正在移动到新的子服务商，合计数会随之变化，完成后即为最终结果。", "Past transactions are being moved to a new sub-provider: the totals of this filter are changing until it is done.";
    Changing => "变化中", "Changing";
    NoTransactions => "没有符合条件的交易。", "No transaction matches.";
    ColPaidAt => "支付时间", "Paid at";
    ColAmount => "金额", "Amount";
    SubProvidersTitle => "子服务商", "Sub-providers";
    SubProvidersSubtitle => "本服务商名下的子服务商；子商户只能调整到这里登记的子服务商。", "This provider's sub-providers; a sub-merchant can only be moved to one registered here.";
    AddSubProvider => "添加子服务商", "Add sub-provider";
    FieldSubProviderName => "子服务商名称", "Name";
    FieldRebateRatio => "返佣比例（%，可选）", "Rebate ratio (%, optional)";
    FieldRemark => "备注", "Remark";
    NoSubProviders => "还没有子服务商。", "No sub-providers yet.";
    ActionSubProviderCreated => "添加子服务商", "Added a sub-provider";
    ActionSubProviderUpdated => "修改子服务商", "Changed a sub-provider";
    ActionSubMerchantSubProvider => "修改子商户所属的子服务商", "Moved a sub-merchant to another sub-provider";
    ActionSubMerchantBasic => "修改子商户资料", "Changed a sub-merchant's profile";
    NavOpenMaidan => "开通微信买单", "Open WeChat Maidan";
    OpenMaidanTitle => "开通微信买单", "Open WeChat Maidan";
    OpenMaidanWhen => "子商户的微信支付商户号要先开通微信买单，才能切换到微信买单渠道。商家已有商户号时，可在手机上扫码绑定开通。", "A sub-merchant's WeChat Pay merchant ID must open WeChat Maidan before it can switch to the Maidan channel. With an existing merchant ID, bind it on a phone.";
    OpenMaidanPhone => "在手机上开通", "On a phone";
    OpenMaidanStep1 => "用微信扫描左侧二维码，进入微信买单注册页面。", "Scan the code with WeChat to open the WeChat Maidan registration page.";
    OpenMaidanStep2 => "单击【已有商户号？立即绑定】。", "Tap “Have a merchant ID? Bind it”.";
    OpenMaidanStep3 => "按指引填写手机号、银行卡号并完成短信验证。", "Enter the mobile and bank card, then verify by SMS.";
    OpenMaidanPc => "在电脑上开通", "On a computer";
    OpenMaidanPcLink => "微信买单功能开通方法（微信客服帮助）", "How to open WeChat Maidan (WeChat help)";
    OpenMaidanAfter => "开通后，回到子商户列表再次【切换渠道】即可。", "When it is open, go back to the sub-merchant and switch the channel again.";
    OpenOnThisDevice => "在本设备打开", "Open on this device";
    MaidanPhoneTitle => "微信买单", "WeChat Maidan";
    MaidanLandingTitle => "开通微信买单", "Open WeChat Maidan";
    MaidanLandingText => "商家已有微信支付商户号时，绑定后即可开通微信买单。", "A merchant with a WeChat Pay merchant ID opens WeChat Maidan by binding it.";
    MaidanHaveMerchantId => "已有商户号？立即绑定", "Have a merchant ID? Bind it";
    FieldMobile => "手机号", "Mobile";
    FieldBankCard => "银行卡号", "Bank card";
    FieldSmsCode => "短信验证码", "SMS code";
    GetSmsCode => "获取验证码", "Get code";
    ResendIn => "{s} 秒后重新获取", "Again in {s} s";
    SandboxSmsBanner => "沙箱：验证码为 {code}（真实环境会以短信发送到该手机号，5 分钟内有效）。", "Sandbox: the code is {code} (really sent by SMS; valid for 5 minutes).";
    MaidanBind => "绑定并开通", "Bind and open";
    MaidanBoundTitle => "已开通微信买单", "WeChat Maidan is open";
    MaidanBoundText => "商户号 {merchant_id} 已开通微信买单，可以回到云支付控制台切换渠道。", "Merchant ID {merchant_id} has opened WeChat Maidan; switch its channel in the Cloud Pay console.";
    NoSubProvider => "未指定", "None";
    SubProviderClearHint => "修改之后，云支付会自动将该子商户的历史交易数据归属到新的子服务商下。这个过程比较耗时，不会立即完成，建议过段时间之后再查询交易数据进行确认。清空则归属服务商本身。", "After the change, Cloud Pay moves this sub-merchant's past transactions to the new sub-provider by itself. This takes a while and does not finish at once: check the transactions again after some time to confirm. Leave empty for the provider itself.";
    FindAccountId => "如何查看腾讯云账号 ID：子服务商登录腾讯云控制台，单击右上角账号名称，进入【账号信息】，页面上的“账号 ID”即是。", "Finding a Tencent Cloud account ID: the sub-provider signs in to the Tencent Cloud console, clicks the account name at the top right and opens Account Information; the Account ID is shown there.";
    SyncTakesTime => "子商户较多时同步比较耗时（几分钟到几小时），同步在服务端进行，无法立即看到全部子商户：建议等待一段时间，再刷新页面查看结果。", "With many sub-merchants the sync takes a while (minutes to hours). It runs on the server, so not every sub-merchant shows at once: wait a while, then reload the page to see the result.";
    NoRepeatedClicks => "不要频繁地单击同步按钮。", "Do not click the sync button again and again.";
    SyncAfterAdding => "每次在微信买单新增了子商户，都需要再次同步。", "Whenever sub-merchants are added in WeChat Maidan, sync again.";
    ProvidersFirst => "请确认新增之前已经将相应的服务商同步到云支付。", "Make sure their providers were synced into Cloud Pay first.";
    UnsyncedProviders => "以下服务商的子商户还没有同步：{names}。单击【同步买单子商户】同步它们。", "The sub-merchants of these providers have not been synced yet: {names}. Click Sync Maidan sub-merchants to bring them in.";
    ProvidersOlder => "服务商信息最近一次同步于 {time}，早于上次子商户同步。如果在微信买单新增了服务商，请先同步服务商，再同步子商户。", "Providers were last synced at {time}, before the last sub-merchant sync began. If providers were added in WeChat Maidan, run Sync WeChat Maidan providers first, then sync the sub-merchants.";
    GoSyncProvidersLink => "同步买单服务商信息", "Sync WeChat Maidan providers";
    DocProviders => "详细操作参考：云支付官方文档中的配置服务商", "Details: Configuring providers, in Cloud Pay's documentation";
    DocSubMerchants => "详细操作参考：云支付官方文档中的配置子商户", "Details: Configuring sub-merchants, in Cloud Pay's documentation";
    SubProviderUnregistered => "该 ID 还不是本服务商的子服务商。填写名称（返佣比例可选）后保存，会先将其登记为子服务商，再修改子商户所属的子服务商。", "This ID is not one of this provider's sub-providers yet. Give it a name (the rebate ratio is optional) and save: it is registered as a sub-provider first, then the sub-merchant moves to it.";
    EmptyWhileSyncing => "同步进行中：每同步完一页，子商户就会陆续出现在这里，无需刷新页面。", "The sync is running: sub-merchants appear here page by page as they arrive, with no need to reload.";
    NoSubMerchantMatches => "没有符合条件的子商户，请调整筛选条件。", "No sub-merchant matches; change the filters.";
    EmptySubMerchants => "还没有子商户。单击【同步买单子商户】，当前账号下所有服务商的子商户都会同步过来。", "No sub-merchants yet. Click Sync Maidan sub-merchants to bring in every sub-merchant of every provider in this account.";
    JobProgress => "正在同步子商户：已处理 {processed} / 约 {total}（{percent}%），{rate} 条/秒，预计还需 {eta}", "Syncing sub-merchants: {processed} of about {total} ({percent}%), {rate}/s, about {eta} left";
    JobQueued => "同步任务已排队，即将开始。", "The sync is queued and will start shortly.";
    JobHint => "同步在服务端进行：可以离开此页面，完成后列表会自动刷新，无需重复点击。", "The sync runs on the server: you can leave this page; the list refreshes itself when it is done. No need to click again.";
    JobDone => "子商户同步完成：新增 {new}，更新 {updated}，未变化 {unchanged}，失败 {failed}。", "Sub-merchant sync done: {new} new, {updated} updated, {unchanged} unchanged, {failed} failed.";
    JobFailed => "子商户同步失败：{error}。已同步的子商户已保留，可稍后重试。", "The sub-merchant sync failed: {error}. What was synced is kept; try again later.";
    FailedRows => "失败的子商户", "Failed rows";
    JobProgressNoEta => "正在同步子商户：已处理 {processed} / 约 {total}（{percent}%）", "Syncing sub-merchants: {processed} of about {total} ({percent}%)";
    JobTakeover => "任务暂无进展（处理它的实例可能已停止），等待其他实例接管（约 {when}内）。", "No progress for a while (the instance running it may have stopped): waiting to be taken over by another instance (within about {when}).";
    JobTakeoverDue => "任务暂无进展（处理它的实例可能已停止），即将由其他实例接管。", "No progress for a while (the instance running it may have stopped): another instance takes it over shortly.";
    Seconds => "{s} 秒", "{s} s";
    Minutes => "{m} 分钟", "{m} min";
    Hours => "{h} 小时", "{h} h";
    HoursMinutes => "{h} 小时 {m} 分钟", "{h} h {m} min";

    NotFoundTitle => "页面不存在", "Page not found";
    NotFoundBody => "您访问的页面不存在，请检查地址或返回首页。", "This page does not exist. Check the address or go back home.";
    BackHome => "返回首页", "Back to home";
}

/// The current language, in context.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    /// Switches the language, persists the choice and updates `<html lang>`.
    pub fn set(&self, lang: Lang) {
        self.lang.set(lang);
        apply(lang);
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(STORAGE_KEY, lang.tag());
        }
    }

    /// The text of `key` in the current language (reactive).
    pub fn t(&self, key: Key) -> &'static str {
        key.text(self.lang.get())
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn apply(lang: Lang) {
    REQUEST_LANG.with(|l| l.set(lang));
    if let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = html.set_attribute("lang", lang.tag());
    }
}

/// Provides the language, read from `localStorage` (Chinese when nothing was chosen).
pub fn provide_i18n() -> I18n {
    let lang = local_storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .map_or(Lang::Zh, |tag| Lang::from_tag(&tag));
    apply(lang);
    let i18n = I18n {
        lang: RwSignal::new(lang),
    };
    provide_context(i18n);
    i18n
}

/// Keeps the document's title (a browser tab, the top bar of WeChat's browser) in the page's
/// language.
pub fn follow_document_title(title: fn(Lang) -> &'static str) {
    let i18n = use_i18n();
    Effect::new(move |_| {
        let title = title(i18n.lang());
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(title);
        }
    });
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// Fills `{name}` placeholders of a catalogue text.
pub fn fill(text: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(text.to_owned(), |acc, (name, value)| {
        acc.replace(&format!("{{{name}}}"), value)
    })
}

/// A reactive text for views: `{tr(Key::SignIn)}`.
pub fn tr(key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || i18n.t(key)
}
