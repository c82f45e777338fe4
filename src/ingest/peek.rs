//! A look at the start of a file before it is loaded, for the page's question "which
//! client is this file for?" (SPEC §1): whether the file is an ad platform's export that
//! names no tenant, and which campaigns it holds (by which the page remembers the
//! client the user chose for the next export of the same account).

use crate::ingest::IngestStream;
use crate::model::schema::{Column, TenantFrom};
use crate::transform::stage::StagedValues;
use serde::Serialize;

/// What [`peek`] saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Peek {
    /// The platform whose export the file is ("Google Ads").
    pub platform: &'static str,
    /// The file names no tenant (no tenant or account column): a tenant must be given
    /// for it ([`IngestStream::with_tenant`]).
    pub needs_tenant: bool,
    /// The campaign ids of its first rows (at most [`PEEK_CAMPAIGNS`], in order, each
    /// once): an export of the same account names some of them again.
    pub campaigns: Vec<String>,
}

/// Campaign ids [`peek`] returns at most.
pub const PEEK_CAMPAIGNS: usize = 100;

/// Looks at `bytes`, the start of a file (or all of it; an XLSX or JSON file must be
/// whole): `None` unless it is an ad platform's export. The last line of a cut delimited
/// file may be cut too; it changes nothing here.
///
/// ```
/// use bi_platform::ingest::peek::peek;
/// let seen = peek(b"Day,Campaign,Impr.,Clicks,Cost,Conversions,Conv. value\n\
///                   2024-11-01,Brand,100,10,5.00,1,9.50\n").unwrap();
/// assert_eq!((seen.platform, seen.needs_tenant), ("Google Ads", true));
/// assert_eq!(seen.campaigns, vec!["Brand"]);
/// ```
pub fn peek(bytes: &[u8]) -> Option<Peek> {
    // A tenant no file holds, given so that the rows stage whatever the file says.
    let mut stream = IngestStream::new("peek").with_tenant(Some("\u{1}".to_string()));
    stream.push(bytes);
    let staged = stream.finish().result.ok()?;
    staged.into_iter().find_map(|mut table| {
        let source = table.source.clone()?;
        let keys = match table.column(Column::CampaignId) {
            StagedValues::Text(keys) => keys.clone(),
            _ => Vec::new(),
        };
        let text = table.take_decoded_text();
        let mut campaigns: Vec<String> = Vec::new();
        for key in keys {
            if campaigns.len() == PEEK_CAMPAIGNS {
                break;
            }
            let id = text.get(key).to_string();
            if !campaigns.contains(&id) {
                campaigns.push(id);
            }
        }
        Some(Peek {
            platform: source.platform,
            needs_tenant: source.tenant == TenantFrom::User,
            campaigns,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_naming_its_account_needs_no_tenant() {
        let seen = peek(
            b"Reporting starts,Reporting ends,Account ID,Campaign name,Impressions,Link clicks,\
              Amount spent (USD),Purchases,Purchases conversion value\n\
              2024-12-01,2024-12-01,77,A,100,10,5.00,1,9.00\n2024-12-01,2024-12-01,77,B,1",
        )
        .unwrap();
        assert_eq!(seen.platform, "Meta Ads");
        assert!(!seen.needs_tenant);
        assert_eq!(seen.campaigns, vec!["A"]);
    }

    #[test]
    fn a_contract_file_or_junk_is_no_platforms() {
        assert_eq!(
            peek(b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n"),
            None
        );
        assert_eq!(peek(b"PK\x03\x04 cut"), None);
        assert_eq!(peek(b""), None);
    }
}
