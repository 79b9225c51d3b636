//! 交易查询: transactions filtered by sub-merchant (its 微信支付商户号 or name), sub-provider
//! account and dates (kept in the URL), with the count and amount of the whole filter. While a re-attribution touching the
//! filter runs, a banner says so and the totals are marked as changing.

use domain::api::TransactionQuery;
use leptos::prelude::*;

use crate::{
    api,
    components::{loaded::Loaded, pager::Pager},
    format::{local_time, yuan},
    i18n::{Key, fill, tr, use_i18n},
    state::url_filters::use_url_filters,
};

const FILTERS: [&str; 5] = ["q", "sub_provider_account_id", "from", "to", "page"];

#[component]
pub fn TransactionsPage() -> impl IntoView {
    let i18n = use_i18n();
    let filters = use_url_filters("/transactions", &FILTERS);
    let param = move |name: &str| filters.param(name);
    let page = filters.page;
    let set = move |name: &'static str, value: String| filters.set(name, value);
    // The server's rule on the search text, flagged at the filter instead of asked for.
    let q_error = move || {
        domain::api::check_paging(None, None, filters.value("q").as_deref())
            .into_iter()
            .next()
            .map(|(_, e)| e.message(i18n.lang()))
    };
    let list = LocalResource::new(move || {
        let query = TransactionQuery {
            sub_merchant_id: None,
            q: filters.value("q"),
            sub_provider_account_id: filters.value("sub_provider_account_id"),
            from: filters.value("from"),
            to: filters.value("to"),
            page: filters.page_number(),
            page_size: None,
        };
        async move { api::transactions(&query).await }
    });
    let input = move |name: &'static str, label: Key, kind: &'static str| {
        let message = move || (name == "q").then(q_error).flatten();
        view! {
            <label class="filter">
                <span class="muted">{tr(label)}</span>
                <input class="input" type=kind aria-label=move || i18n.t(label)
                    aria-invalid=move || if message().is_some() { "true" } else { "false" }
                    prop:value=move || param(name)
                    on:change=move |ev| set(name, event_target_value(&ev))/>
                <span class="field-error" role="status">{message}</span>
            </label>
        }
    };
    view! {
        <div class="page-head">
            <div>
                <h1 class="page-title">{tr(Key::TransactionsTitle)}</h1>
                <p class="muted">{tr(Key::TransactionsSubtitle)}</p>
            </div>
        </div>
        <section class="card">
            <div class="toolbar toolbar-wrap">
                {input("q", Key::FilterSubMerchant, "search")}
                {input("sub_provider_account_id", Key::FieldSubProvider, "text")}
                {input("from", Key::FilterFrom, "date")}
                {input("to", Key::FilterTo, "date")}
            </div>
            <Show when=move || q_error().is_none()>
                <Loaded resource=list let:result>
                    {
                        let pages = (result.total.div_ceil(u64::from(result.page_size.max(1)))).max(1);
                        let pages = u32::try_from(pages).unwrap_or(u32::MAX);
                        let changing = result.changing;
                        view! {
                            {changing.then(|| view! {
                                <p class="note note-info" role="status" data-testid="totals-changing">{tr(Key::TotalsChanging)}</p>
                            })}
                            <p class="totals" data-testid="totals" data-changing=changing.to_string()>
                                {move || fill(i18n.t(Key::TransactionTotals), &[
                                    ("count", result.total.to_string()),
                                    ("amount", yuan(result.amount_fen)),
                                ])}
                                {changing.then(|| view! { <span class="badge badge-muted">{tr(Key::Changing)}</span> })}
                            </p>
                            {if result.items.is_empty() {
                                view! { <p class="empty-row">{tr(Key::NoTransactions)}</p> }.into_any()
                            } else {
                                view! {
                                    <table class="table" data-testid="transactions">
                                        <thead><tr>
                                            <th>{tr(Key::ColPaidAt)}</th>
                                            <th>{tr(Key::ColSubMerchantName)}</th>
                                            <th>{tr(Key::ColMerchantId)}</th>
                                            <th>{tr(Key::ColSubProvider)}</th>
                                            <th class="num">{tr(Key::ColAmount)}</th>
                                        </tr></thead>
                                        <tbody>
                                            {result.items.into_iter().map(|t| view! {
                                                <tr>
                                                    <td>{local_time(&t.paid_at)}</td>
                                                    <td><a href=format!("/sub-merchants/{}", t.sub_merchant_id)>{t.sub_merchant_name}</a></td>
                                                    <td><code>{t.merchant_id}</code></td>
                                                    <td><code>{t.sub_provider_account_id.unwrap_or_default()}</code></td>
                                                    <td class="num">{yuan(t.amount_fen)}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    <Pager page=page total=result.total pages=pages/>
                                }.into_any()
                            }}
                        }
                    }
                </Loaded>
            </Show>
        </section>
    }
}
