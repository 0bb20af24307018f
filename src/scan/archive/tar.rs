//! Tar archives, streamed entry by entry (GNU and PAX long names
//! included). Only regular files are scanned; links, directories and
//! devices hold no bytes of their own.

use super::limits::MAX_ENTRIES;
use super::{Expander, Problem};
use std::io::Read;

impl Expander<'_, '_> {
    pub(super) fn tar(
        &mut self,
        display: &str,
        reader: &mut dyn Read,
        depth: u32,
    ) -> Result<(), Problem> {
        let mut archive = tar::Archive::new(reader);
        let mut count = 0u64;
        let mut last: Option<String> = None;
        for entry in archive.entries()? {
            let mut entry = entry.map_err(|e| match &last {
                Some(l) => Problem::Said(format!(
                    "corrupt or truncated tar after `{l}` ({e}); the rest of it was not scanned"
                )),
                None => Problem::Io(e),
            })?;
            count += 1;
            if count > MAX_ENTRIES {
                return Err(Problem::Said(format!(
                    "more than {MAX_ENTRIES} entries; only the first {MAX_ENTRIES} were scanned"
                )));
            }
            let kind = entry.header().entry_type();
            if !(kind.is_file() || kind == tar::EntryType::GNUSparse) {
                continue;
            }
            let inner = self.inner(display, &entry.path_bytes());
            // A tar is one stream: a member that cannot be read ends it.
            self.member(&inner, &mut entry, depth)?;
            last = Some(inner);
        }
        Ok(())
    }
}
