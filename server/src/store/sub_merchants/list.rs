//! Each backend's plan for the sub-merchant list (SQLite: the count and the page side by side;
//! PostgreSQL: the session, the data version and the page in one statement, with trigram
//! search) and its planner's upkeep after a sync.

use super::*;

impl SqliteStore {
    /// SQLite's own upkeep of its planner's statistics.
    pub(super) async fn refresh_planner_statistics(&self) -> Result<()> {
        sqlx::query("PRAGMA optimize").execute(self.pool()).await?;
        Ok(())
    }

    /// The data version, the count (cached per version) and the page, in the index's order.
    /// SQLite keeps no session hints (see `Dialect::session_hint`), so it is never asked with a
    /// session: its lists look the session up first, which in the same process as its database
    /// costs no round trip.
    pub(super) async fn read_page(
        &self,
        account_id: &str,
        session: Option<(SessionCheck<'_>, &Account)>,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<Option<Page<SubMerchantSummary>>> {
        debug_assert!(session.is_none(), "SQLite lists hold no session hints");
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE((SELECT version FROM sub_merchant_versions WHERE account_id = ?), 0)",
        )
        .bind(account_id)
        .fetch_one(self.pool())
        .await?;
        let total = self.count_matching(self.pool(), account_id, filter, version, true);
        // The page is picked in the order of the index (provider, merchant ID), with no sort
        // however many rows match; only its rows are joined to their provider names.
        let mut query = sqlx::QueryBuilder::new(
            "SELECT s.id, s.out_sub_mch_id, p.out_mch_id, s.merchant_id, s.name, s.provider_id, p.name AS provider_name, s.channel,
                    s.maidan_opened, s.sub_provider_account_id, s.keys_set, s.synced_at
             FROM (SELECT * FROM sub_merchants s",
        );
        Self::push_conditions(&mut query, account_id, filter);
        query
            .push(" ORDER BY s.provider_id, s.merchant_id LIMIT ")
            .push_bind(i64::from(page_size))
            .push(" OFFSET ")
            .push_bind(i64::from(page.saturating_sub(1)) * i64::from(page_size))
            .push(
                ") s JOIN providers p ON p.provider_id = s.provider_id
                 ORDER BY s.provider_id, s.merchant_id",
            );
        // The count (when not cached) and the page are two statements on two connections:
        // a first-time search waits for the slower of them, not for both in turn.
        let (total, rows) = tokio::try_join!(total, async {
            Ok(query.build().fetch_all(self.pool()).await?)
        })?;
        let items = rows
            .iter()
            .map(sub_merchant_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Page { items, total }))
    }

    /// Whether the list is scoped by the row's own account: never, on SQLite.
    pub(super) fn scoped_by_row(_filter: &SubMerchantFilter<'_>) -> bool {
        false
    }

    /// ` AND …` for a text search: a substring of the name or the merchant ID.
    pub(super) fn push_search<'a>(
        query: &mut sqlx::QueryBuilder<'a, sqlx::Sqlite>,
        search: &'a str,
    ) {
        if !search.bytes().any(|b| b.is_ascii_alphabetic()) {
            // Nothing to fold (Chinese, digits): a plain substring search, several times cheaper
            // per row than LIKE.
            query
                .push(" AND (instr(s.name, ")
                .push_bind(search)
                .push(") > 0 OR instr(s.merchant_id, ")
                .push_bind(search)
                .push(") > 0)");
        } else {
            // LIKE folds ASCII case: "cafe" finds "Cafe".
            let pattern = format!("%{}%", escape_like(search));
            query
                .push(" AND (s.name LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR s.merchant_id LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
    }
}

impl PgStore {
    /// PostgreSQL's upkeep after a bulk load.
    pub(super) async fn refresh_planner_statistics(&self) -> Result<()> {
        // After a bulk load PostgreSQL wants a VACUUM as well: it marks the new pages all
        // visible (index-only counts) before autovacuum would, rather than in the middle of
        // whatever runs next.
        sqlx::query("VACUUM (ANALYZE) sub_merchants, transactions, transaction_attributions")
            .execute(self.pool())
            .await?;
        for index in ["sub_merchants_name_trgm", "sub_merchants_merchant_id_trgm"] {
            sqlx::query("SELECT gin_clean_pending_list($1::regclass)")
                .bind(index)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    /// A page of the list, and its total. With a session (and the account it was found to
    /// belong to), the same statement checks that it is still live, of that account and role,
    /// and nothing is read (`None`) when it is not.
    pub(super) async fn read_page(
        &self,
        account_id: &str,
        session: Option<(SessionCheck<'_>, &Account)>,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<Option<Page<SubMerchantSummary>>> {
        // How PostgreSQL plans these statements. A text search with a trigram is planned for
        // its own pattern every time (an unnamed statement): a plan made for "any pattern"
        // walks the whole (provider, merchant ID) index when the pattern is rare, 300 ms over
        // 1,000,000 rows. Any other list keeps a plan per statement: its page size and offset
        // are written into the statement, so the plan made for "any provider" is as good as one
        // made for this one and is reused (0.26 ms of planning per request otherwise; a search
        // too short for a trigram is that walk whatever its pattern, and planning and parsing
        // it each time cost 0.6 ms a request).
        let searching = filter.search.is_some_and(has_trigram);
        // The session, the account's data version and the page in one statement (one round
        // trip, one snapshot): a row with the version and no sub-merchant when the page is
        // empty. When the session is over (its `last_seen` NULL), the page is not read at all
        // (a filter PostgreSQL checks once, before it reads any sub-merchant). The page is
        // picked in the order of the index (provider, merchant ID), with no sort however many
        // rows match; only its rows are joined to their provider names.
        let mut query = sqlx::QueryBuilder::new(
            "WITH v AS (SELECT COALESCE((SELECT version FROM sub_merchant_versions WHERE account_id = ",
        );
        query.push_bind(account_id).push("), 0) AS version");
        if let Some((check, account)) = session {
            query
                .push(
                    ", (SELECT t.last_seen_at FROM sessions t JOIN accounts a ON a.id = t.account_id
                        WHERE t.token_hash = ",
                )
                .push_bind(check.token_hash)
                .push(" AND t.account_id = ")
                .push_bind(account.id.as_str())
                .push(" AND a.role = ")
                .push_bind(account.role.as_str())
                .push(" AND t.expires_at > ")
                .push_bind(check.now_ms)
                .push(" AND t.last_seen_at > ")
                .push_bind(check.now_ms - check.idle_ms)
                .push(" AND a.disabled_at IS NULL) AS last_seen");
        } else {
            query.push(", 0::bigint AS last_seen");
        }
        query.push(
            ")
             SELECT v.version, v.last_seen, s.id, s.out_sub_mch_id, s.out_mch_id, s.merchant_id, s.name, s.provider_id,
                    s.provider_name, s.channel, s.maidan_opened, s.sub_provider_account_id, s.keys_set, s.synced_at
             FROM v LEFT JOIN (
               SELECT s.*, p.out_mch_id, p.name AS provider_name
               FROM (SELECT * FROM sub_merchants s",
        );
        Self::push_conditions(&mut query, account_id, filter);
        if session.is_some() {
            query.push(" AND (SELECT v.last_seen FROM v) IS NOT NULL");
        }
        let offset = i64::from(page.saturating_sub(1)) * i64::from(page_size);
        query.push(" ORDER BY s.provider_id, s.merchant_id");
        if searching {
            query
                .push(" LIMIT ")
                .push_bind(i64::from(page_size))
                .push(" OFFSET ")
                .push_bind(offset);
        } else {
            // Integers of our own making, not text from the request.
            query.push(format_args!(" LIMIT {page_size} OFFSET {offset}"));
        }
        query.push(
            ") s JOIN providers p ON p.provider_id = s.provider_id
             ) s ON TRUE
             ORDER BY s.provider_id, s.merchant_id",
        );
        let pool = if searching {
            self.pool()
        } else {
            &self.generic_plans
        };
        let rows = query.build().persistent(!searching).fetch_all(pool).await?;
        let (version, last_seen): (i64, Option<i64>) = match rows.first() {
            Some(row) => (row.try_get("version")?, row.try_get("last_seen")?),
            None => (0, None),
        };
        if let Some((check, _)) = session {
            let Some(last_seen) = last_seen else {
                return Ok(None);
            };
            self.seen(check.token_hash, last_seen, check.now_ms).await?;
        }
        // An empty page is the version's row alone, its sub-merchant columns NULL.
        let items = rows
            .iter()
            .filter_map(|row| match row.try_get::<Option<i64>, _>("id") {
                Ok(None) => None,
                Ok(Some(_)) => Some(sub_merchant_from_row(row)),
                Err(e) => Some(Err(e.into())),
            })
            .collect::<Result<Vec<_>>>()?;
        // Counted at the version the page was read at.
        let total = self
            .count_matching(pool, account_id, filter, version, !searching)
            .await?;
        Ok(Some(Page { items, total }))
    }

    /// Whether the list is scoped by the row's own account: for a text search with a trigram,
    /// which reads the trigram matches once, scoped by the row's own account (the account of
    /// its provider, which never changes): through the providers, the planner ran the whole
    /// match once per provider. A search too short for a trigram is the list's own walk in
    /// order, each row checked.
    pub(super) fn scoped_by_row(filter: &SubMerchantFilter<'_>) -> bool {
        filter.search.is_some_and(has_trigram)
    }

    /// ` AND …` for a text search: a case-insensitive substring of the name or the merchant
    /// ID, served by the trigram indexes.
    pub(super) fn push_search<'a>(
        query: &mut sqlx::QueryBuilder<'a, sqlx::Postgres>,
        search: &'a str,
    ) {
        // Nothing to fold (digits, Chinese): LIKE, which checks each candidate row of the
        // trigram index about twice as fast as ILIKE.
        let like = if has_case(search) {
            " ILIKE "
        } else {
            " LIKE "
        };
        let pattern = format!("%{}%", escape_like(search));
        query
            .push(" AND (s.name")
            .push(like)
            .push_bind(pattern.clone())
            .push(" OR s.merchant_id")
            .push(like)
            .push_bind(pattern)
            .push(")");
    }
}

/// Whether `search` has a trigram for the `pg_trgm` indexes to look up: a run of three letters
/// or digits. A shorter search ("苏", "12") can only be checked row by row, whatever its
/// text: its statement is the same plan each time, prepared once; one with a trigram is
/// planned for its own pattern (how many rows it matches decides between the trigram index
/// and a walk in order).
fn has_trigram(search: &str) -> bool {
    search
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word.chars().nth(2).is_some())
}

/// Whether `text` holds a letter with another case: "cafe" must also find "Cafe", while
/// "苏州 0042" has nothing to fold.
fn has_case(text: &str) -> bool {
    text.chars()
        .any(|c| c.to_lowercase().ne(std::iter::once(c)) || c.to_uppercase().ne(std::iter::once(c)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_letters_with_another_case_need_folding() {
        for folded in ["cafe", "CAFE", "0042a", "Ärzte", "σ"] {
            assert!(super::has_case(folded), "{folded}");
        }
        for plain in ["0042", "苏州", "西安·鹿角火锅 0137", "", "1600-00_%"] {
            assert!(!super::has_case(plain), "{plain}");
        }
    }

    #[test]
    fn a_trigram_is_three_letters_or_digits_in_a_row() {
        for indexed in ["苏州好", "004", "西安·鹿角火锅", "a cafe", "1600-00_%"] {
            assert!(super::has_trigram(indexed), "{indexed}");
        }
        for walked in ["苏", "苏州", "12", "a b", "ab-cd", "", "%_"] {
            assert!(!super::has_trigram(walked), "{walked}");
        }
    }
}
