//! Components in a real browser (headless Chromium): what a person sees and does.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed
#![cfg(target_arch = "wasm32")]

use console::{
    components::language_switch::LanguageSwitch,
    i18n::{Key, provide_i18n},
    pages::login::LoginPage,
    state::session::provide_known_session,
};
use domain::{FieldError, Lang};
use leptos::{prelude::*, task::tick};
use leptos_router::components::Router;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The contexts every page finds: language, session (signed out), router.
#[component]
fn Harness(children: Children) -> impl IntoView {
    provide_i18n();
    provide_known_session(None);
    view! { <Router>{children()}</Router> }
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh container on the page, with no language remembered from another test.
fn fresh_root() -> web_sys::HtmlElement {
    let window = web_sys::window().unwrap();
    window.local_storage().unwrap().unwrap().clear().unwrap();
    let root: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&root).unwrap();
    root
}

fn text_of(root: &web_sys::HtmlElement, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .text_content()
        .unwrap_or_default()
}

fn type_into(root: &web_sys::HtmlElement, selector: &str, value: &str) {
    let input: web_sys::HtmlInputElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap()
        .unchecked_into();
    input.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn the_login_form_shows_the_account_id_rule_as_the_user_types() {
    let root = fresh_root();
    let _app = leptos::mount::mount_to(root.clone(), || {
        view! { <Harness><LoginPage/></Harness> }
    });
    tick().await;
    assert_eq!(text_of(&root, "#account_id-error"), "");

    type_into(&root, "#account_id", "1000a");
    tick().await;
    let expected = FieldError::Digits { min: 5, max: 20 }.message(Lang::Zh);
    assert_eq!(text_of(&root, "#account_id-error"), expected);
    let input = root.query_selector("#account_id").unwrap().unwrap();
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));

    type_into(&root, "#account_id", "100000000001");
    tick().await;
    assert_eq!(text_of(&root, "#account_id-error"), "");
    assert_eq!(
        input.get_attribute("aria-invalid").as_deref(),
        Some("false")
    );
}

#[wasm_bindgen_test]
async fn submitting_an_empty_form_names_both_fields_without_sending_it() {
    let root = fresh_root();
    let _app = leptos::mount::mount_to(root.clone(), || {
        view! { <Harness><LoginPage/></Harness> }
    });
    tick().await;
    let button: web_sys::HtmlButtonElement = root
        .query_selector("button[type=submit]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.click();
    tick().await;
    let required = FieldError::Required.message(Lang::Zh);
    assert_eq!(text_of(&root, "#account_id-error"), required);
    assert_eq!(text_of(&root, "#password-error"), required);
    assert!(
        !button.disabled(),
        "nothing was sent, so nothing is pending"
    );
}

#[wasm_bindgen_test]
async fn the_language_switch_changes_visible_text_and_is_remembered() {
    let root = fresh_root();
    let _app = leptos::mount::mount_to(root.clone(), || {
        view! { <Harness><LoginPage/></Harness> }
    });
    tick().await;
    assert_eq!(text_of(&root, "h1"), Key::LoginTitle.text(Lang::Zh));

    let switch: web_sys::HtmlButtonElement = root
        .query_selector(".lang-switch")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(switch.text_content().unwrap_or_default(), "English");
    switch.click();
    tick().await;

    assert_eq!(text_of(&root, "h1"), "Sign in to Cloud Pay Console");
    assert_eq!(
        text_of(&root, "label[for=account_id]"),
        "Tencent Cloud account ID"
    );
    assert_eq!(switch.text_content().unwrap_or_default(), "中文");
    let html = document().document_element().unwrap();
    assert_eq!(html.get_attribute("lang").as_deref(), Some("en"));
    let stored = web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .get_item("console.lang")
        .unwrap();
    assert_eq!(stored.as_deref(), Some("en"));

    // A field message follows the language too.
    type_into(&root, "#account_id", "12");
    root.query_selector("#account_id")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .blur()
        .unwrap();
    type_into(&root, "#account_id", "12x");
    tick().await;
    assert_eq!(
        text_of(&root, "#account_id-error"),
        "Use digits only, 5 to 20 of them."
    );
}

#[wasm_bindgen_test]
async fn a_remembered_language_is_used_on_the_next_visit() {
    let root = fresh_root();
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .set_item("console.lang", "en")
        .unwrap();
    let _app = leptos::mount::mount_to(root.clone(), || {
        view! { <Harness><LanguageSwitch/><LoginPage/></Harness> }
    });
    tick().await;
    assert_eq!(text_of(&root, "h1"), "Sign in to Cloud Pay Console");
}

#[wasm_bindgen_test]
fn every_catalogue_entry_exists_in_both_languages() {
    for key in Key::ALL {
        let zh = key.text(Lang::Zh);
        let en = key.text(Lang::En);
        assert!(!zh.is_empty() && !en.is_empty(), "{key:?}");
        // The switch speaks the language it switches to.
        let switch = [Key::LanguageSwitch, Key::LanguageSwitchTitle].contains(key);
        let has_chinese = en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        assert!(switch || !has_chinese, "{key:?} English has Chinese");
    }
}

#[wasm_bindgen_test]
async fn the_qr_canvas_draws_a_square_non_blank_code_of_the_asked_size() {
    use console::components::qr_canvas::QrCanvas;
    let root = fresh_root();
    let url = "http://127.0.0.1:8080/m/provider-sync/5df5effbd696eceee4382c920668e03a";
    let _app = leptos::mount::mount_to(root.clone(), move || {
        view! { <QrCanvas payload=url.to_owned() size=200 label="QR".to_owned()/> }
    });
    tick().await;
    let canvas: web_sys::HtmlCanvasElement = root
        .query_selector("canvas.qr")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(canvas.get_attribute("data-payload").as_deref(), Some(url));
    let (w, h) = (canvas.width(), canvas.height());
    assert_eq!(w, h, "square");
    let ratio = web_sys::window().unwrap().device_pixel_ratio();
    let css = f64::from(w) / ratio;
    assert!(
        (150.0..=200.0).contains(&css),
        "about 200 CSS px, got {css}"
    );

    let context: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    let pixels = context
        .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
        .unwrap()
        .data();
    let dark = pixels.chunks(4).filter(|p| p[0] < 128).count();
    let total = pixels.len() / 4;
    assert!(
        dark > total / 5 && dark < total * 3 / 5,
        "{dark} dark of {total}"
    );
    // The corner (quiet zone) is light, the finder pattern just inside it is dark.
    assert!(pixels[0] > 128);
    let module = w as usize / (domain::qr::QrMatrix::encode(url).unwrap().side);
    let inside = (4 * module * w as usize + 4 * module) * 4;
    assert!(pixels[inside] < 128);
}

#[wasm_bindgen_test]
async fn switch_results_name_each_refused_row_and_link_to_opening_maidan() {
    use console::{
        api::ApiError,
        components::channel_switch::{SwitchOutcome, SwitchResults},
    };
    use domain::{
        ErrorBody, ErrorCode,
        api::{SubMerchantSummary, WechatChannel},
    };
    let row = |id: i64, merchant_id: &str| SubMerchantSummary {
        id,
        out_sub_mch_id: format!("sm{id:018}"),
        out_mch_id: "sp000000000000000001".to_owned(),
        merchant_id: merchant_id.to_owned(),
        name: format!("杭州·测试店 {id}"),
        provider_id: "1900000101".to_owned(),
        provider_name: "杭州西湖买单服务商".to_owned(),
        channel: WechatChannel::OfficialDirect,
        maidan_opened: id == 1,
        sub_provider_account_id: None,
        keys_set: false,
        synced_at: "2026-11-30T08:00:00Z".to_owned(),
    };
    let refused = ApiError::Api(ErrorBody {
        code: ErrorCode::MaidanNotOpened,
        message: String::new(),
        reason: None,
        fields: Default::default(),
        retry_after_s: None,
        request_id: "req_0123456789abcdef".to_owned(),
    });
    let outcomes = vec![
        SwitchOutcome {
            row: row(1, "1600000001"),
            result: Ok(()),
        },
        SwitchOutcome {
            row: row(2, "1600000002"),
            result: Err(refused),
        },
    ];
    let root = fresh_root();
    let _app = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <Harness>
                <SwitchResults outcomes=outcomes to=WechatChannel::WechatMaidan/>
            </Harness>
        }
    });
    tick().await;
    let text = text_of(&root, "[data-testid=switch-results]");
    assert!(
        text.contains("切换结果：成功 1 个，未切换 1 个。"),
        "{text}"
    );
    assert!(text.contains("已切换为【微信买单】"), "{text}");
    assert!(text.contains("需要先开通才能切换"), "{text}");
    assert!(text.contains("req_0123456789abcdef"), "{text}");
    let links = root.inner_html().matches("open-maidan-link").count();
    assert_eq!(links, 1, "only the refused row links to 开通微信买单");
    let href = root
        .query_selector("[data-testid=open-maidan-link]")
        .unwrap()
        .unwrap()
        .get_attribute("href");
    assert_eq!(href.as_deref(), Some("/maidan/open?merchant_id=1600000002"));
}

#[wasm_bindgen_test]
async fn a_job_banner_follows_a_language_switch() {
    use console::components::job_progress::JobProgress;
    use domain::api::{Job, JobCounts, JobKind, JobState};
    let job = Job {
        id: "job_1".to_owned(),
        kind: JobKind::SubMerchantSync,
        state: JobState::Queued,
        processed: 0,
        total: 0,
        counts: JobCounts::default(),
        failures: Vec::new(),
        rate_per_s: 0.0,
        eta_s: None,
        created_at: "2026-11-30T08:00:00Z".to_owned(),
        requested_by: Some("100000000001".to_owned()),
        started_at: None,
        finished_at: None,
        error: None,
        failure: None,
        takeover_at: None,
        takeover_in_s: None,
    };
    fn queued(_: &Job, lang: Lang) -> String {
        Key::JobQueued.text(lang).to_owned()
    }
    let root = fresh_root();
    let _app = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <Harness>
                <LanguageSwitch/>
                <JobProgress job=Some(job) describe=queued test_id="job-banner" banner=true/>
            </Harness>
        }
    });
    tick().await;
    let banner = "[data-testid=job-banner]";
    assert_eq!(text_of(&root, banner), Key::JobQueued.text(Lang::Zh));
    root.query_selector(".lang-switch")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    tick().await;
    assert_eq!(text_of(&root, banner), Key::JobQueued.text(Lang::En));
}

#[wasm_bindgen_test]
async fn in_english_a_failed_sync_and_its_failed_rows_show_no_chinese() {
    use console::{
        components::job_progress::JobProgress,
        pages::sub_merchants::{FailedRows, sync_text},
    };
    use domain::{
        FieldError,
        api::{Job, JobCounts, JobError, JobFailure, JobKind, JobState, UpstreamCause},
    };
    let failed = |rule: FieldError| {
        JobFailure::invalid_merchant_id("1900000101".to_owned(), "16x".to_owned(), rule)
    };
    let job = Job {
        id: "job_1".to_owned(),
        kind: JobKind::SubMerchantSync,
        state: JobState::Failed,
        processed: 2,
        total: 10,
        counts: JobCounts::default(),
        failures: vec![
            failed(FieldError::Digits { min: 8, max: 32 }),
            failed(FieldError::Required),
        ],
        rate_per_s: 0.0,
        eta_s: None,
        created_at: "2026-11-30T08:00:00Z".to_owned(),
        requested_by: Some("100000000001".to_owned()),
        started_at: None,
        finished_at: None,
        error: Some("微信买单持续无法访问".to_owned()),
        failure: Some(JobError::upstream(
            "1900000101".to_owned(),
            Some(100),
            UpstreamCause::ConnectionFailed,
        )),
        takeover_at: None,
        takeover_in_s: None,
    };
    let job = RwSignal::new(Some(job));
    let root = fresh_root();
    let _app = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <Harness>
                <LanguageSwitch/>
                <JobProgress job=job describe=sync_text test_id="job-banner" banner=true>
                    <FailedRows job=job/>
                </JobProgress>
            </Harness>
        }
    });
    tick().await;
    let banner = "[data-testid=job-banner]";
    let chinese = text_of(&root, banner);
    assert!(
        chinese.contains("微信买单持续无法访问（服务商 1900000101，第 100 条起）：连接失败"),
        "{chinese}"
    );
    assert!(!chinese.contains("connection"), "{chinese}");
    root.query_selector(".lang-switch")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    tick().await;
    let english = text_of(&root, banner);
    assert!(
        english.contains(
            "WeChat Maidan stayed unreachable (provider 1900000101, from row 100): the connection failed"
        )
    );
    assert!(
        english.contains("Use digits only, 8 to 32 of them."),
        "{english}"
    );
    let chinese: String = english
        .chars()
        .filter(|c| ('\u{3000}'..='\u{9fff}').contains(c) || ('\u{ff00}'..='\u{ffef}').contains(c))
        .collect();
    assert_eq!(chinese, "", "{english}");
}

#[wasm_bindgen_test]
async fn a_sync_whose_instance_stopped_says_when_it_is_taken_over_instead_of_its_eta() {
    use console::{components::job_progress::JobProgress, pages::sub_merchants::sync_text};
    use domain::api::{Job, JobCounts, JobKind, JobState};
    let job = RwSignal::new(Some(Job {
        id: "job_1".to_owned(),
        kind: JobKind::SubMerchantSync,
        state: JobState::Running,
        processed: 3_000,
        total: 10_000,
        counts: JobCounts::default(),
        failures: Vec::new(),
        rate_per_s: 250.0,
        eta_s: Some(28),
        created_at: "2026-11-30T08:00:00Z".to_owned(),
        requested_by: Some("100000000001".to_owned()),
        started_at: Some("2026-11-30T08:00:00Z".to_owned()),
        finished_at: None,
        error: None,
        failure: None,
        takeover_at: Some("2026-11-30T08:01:15Z".to_owned()),
        takeover_in_s: Some(75),
    }));
    let root = fresh_root();
    let _app = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <Harness>
                <LanguageSwitch/>
                <JobProgress job=job describe=sync_text test_id="job-banner" banner=true/>
            </Harness>
        }
    });
    tick().await;
    let banner = "[data-testid=job-banner]";
    let chinese = text_of(&root, banner);
    assert!(
        chinese.contains("已处理 3000 / 约 10000（30%）"),
        "{chinese}"
    );
    assert!(
        chinese.contains("等待其他实例接管（约 2 分钟内）"),
        "{chinese}"
    );
    assert!(!chinese.contains("预计还需"), "no frozen ETA: {chinese}");

    root.query_selector(".lang-switch")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    tick().await;
    let english = text_of(&root, banner);
    assert!(
        english.contains("waiting to be taken over by another instance (within about 2 min)"),
        "{english}"
    );
    assert!(!english.contains("left"), "no frozen ETA: {english}");
    let cjk: String = english
        .chars()
        .filter(|c| ('\u{3000}'..='\u{9fff}').contains(c) || ('\u{ff00}'..='\u{ffef}').contains(c))
        .collect();
    assert_eq!(cjk, "", "{english}");

    // Seconds to go, then due.
    job.update(|j| j.as_mut().unwrap().takeover_in_s = Some(12));
    tick().await;
    assert!(text_of(&root, banner).contains("(within about 12 s)"));
    job.update(|j| j.as_mut().unwrap().takeover_in_s = Some(0));
    tick().await;
    assert!(text_of(&root, banner).contains("another instance takes it over shortly"));

    // Taken over and moving again: the ETA is back and the takeover line gone.
    job.update(|j| {
        let j = j.as_mut().unwrap();
        j.takeover_at = None;
        j.takeover_in_s = None;
    });
    tick().await;
    let resumed = text_of(&root, banner);
    assert!(resumed.contains("about 28 s left"), "{resumed}");
    assert!(
        root.query_selector("[data-testid=job-takeover]")
            .unwrap()
            .is_none()
    );
}

#[wasm_bindgen_test]
fn time_left_reads_in_seconds_minutes_and_hours_as_a_person_says_it() {
    use console::format::duration;
    let cases = [
        (45, "45 秒", "45 s"),
        (61, "2 分钟", "2 min"),
        (3_600, "1 小时", "1 h"),
        (5_400, "1 小时 30 分钟", "1 h 30 min"),
        (7_261, "2 小时 2 分钟", "2 h 2 min"),
    ];
    for (seconds, zh, en) in cases {
        assert_eq!(duration(seconds, Lang::Zh), zh);
        assert_eq!(duration(seconds, Lang::En), en);
    }
}

#[wasm_bindgen_test]
fn a_busy_poll_answer_makes_the_next_poll_wait_as_long_as_asked() {
    use console::{api::ApiError, state::poll::outcome_of};
    use domain::{ErrorBody, ErrorCode, poll::PollOutcome};
    let body = |code: ErrorCode, retry_after_s: Option<u64>| {
        ApiError::Api(ErrorBody {
            code,
            message: String::new(),
            reason: None,
            fields: Default::default(),
            retry_after_s,
            request_id: "req_1".to_owned(),
        })
    };
    assert_eq!(
        outcome_of(&body(ErrorCode::RateLimited, Some(7))),
        Some(PollOutcome::RetryAfter(7))
    );
    assert_eq!(
        outcome_of(&ApiError::Busy(30)),
        Some(PollOutcome::RetryAfter(30))
    );
    assert_eq!(
        outcome_of(&ApiError::Network("offline".to_owned())),
        Some(PollOutcome::Failed)
    );
    assert_eq!(outcome_of(&body(ErrorCode::NotFound, None)), None);
}

#[wasm_bindgen_test]
fn a_field_error_shows_once_typed_a_missing_value_once_submitted_and_the_servers_until_edited() {
    use console::state::form::shown_error;
    let short = FieldError::TooShort { min: 12 };
    assert_eq!(shown_error(Some(short.clone()), false, false, None), None);
    assert_eq!(
        shown_error(Some(short.clone()), true, false, None),
        Some(short)
    );
    assert_eq!(
        shown_error(Some(FieldError::Required), true, false, None),
        None
    );
    assert_eq!(
        shown_error(Some(FieldError::Required), false, true, None),
        Some(FieldError::Required)
    );
    // The field's own rule first; the server's verdict while the rule has nothing to say.
    assert_eq!(
        shown_error(None, true, false, Some(FieldError::WrongPassword)),
        Some(FieldError::WrongPassword)
    );
}

/// A field of its own form, whose form the test reaches through `reach`.
#[component]
fn FieldProbe(
    reach: std::sync::Arc<std::sync::Mutex<Option<console::state::form::Form>>>,
) -> impl IntoView {
    use console::{components::field::TextField, state::form::Form};
    let form = Form::new();
    *reach.lock().unwrap() = Some(form);
    let value = RwSignal::new("100000000001".to_owned());
    let message = form.message("account_id", value, |_| None);
    view! { <TextField name="account_id" label="ID" value=value message=message form=form/> }
}

#[wasm_bindgen_test]
async fn the_servers_verdict_on_a_field_shows_there_until_the_field_changes() {
    use console::api::ApiError;
    use domain::{ErrorBody, ErrorCode, error::FieldIssue};
    let reach = std::sync::Arc::new(std::sync::Mutex::new(None));
    let root = fresh_root();
    let probe = reach.clone();
    let _app = leptos::mount::mount_to(root.clone(), move || {
        view! { <Harness><FieldProbe reach=probe/></Harness> }
    });
    tick().await;
    let form = reach.lock().unwrap().unwrap();
    let refused = ApiError::Api(ErrorBody {
        code: ErrorCode::Validation,
        message: String::new(),
        reason: None,
        fields: [(
            "account_id".to_owned(),
            FieldIssue {
                rule: FieldError::WrongPassword,
                message: String::new(),
            },
        )]
        .into(),
        retry_after_s: None,
        request_id: "req_1".to_owned(),
    });
    form.refused(&refused);
    tick().await;
    let wrong = FieldError::WrongPassword.message(Lang::Zh);
    assert_eq!(text_of(&root, "#account_id-error"), wrong);

    type_into(&root, "#account_id", "100000000002");
    tick().await;
    assert_eq!(text_of(&root, "#account_id-error"), "");
}

#[wasm_bindgen_test]
async fn a_phone_page_titles_the_document_in_the_language_chosen_on_it() {
    use console::components::mobile_shell::MobileShell;
    fn title(lang: Lang) -> &'static str {
        lang.pick("开通微信买单 · 云支付", "Open WeChat Maidan · Cloud Pay")
    }
    let root = fresh_root();
    let _app = leptos::mount::mount_to(root.clone(), || {
        view! {
            <Harness>
                <MobileShell title=Key::MaidanPhoneTitle document_title=title>
                    <p>"…"</p>
                </MobileShell>
            </Harness>
        }
    });
    tick().await;
    assert_eq!(document().title(), "开通微信买单 · 云支付");
    root.query_selector(".lang-switch")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    tick().await;
    assert_eq!(document().title(), "Open WeChat Maidan · Cloud Pay");
}
