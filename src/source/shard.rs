//! `--shard K/N`: a deterministic split of a scan's work items (files of a
//! tree scan, blobs of a history audit) so that N jobs cover it once.

/// Whether the item named `key` (a display path, an object id) belongs to
/// shard `k` of `n` (1-based). A hash of the name alone: shards are
/// disjoint, their union is everything, and the split does not depend on
/// walk order, thread count or machine.
pub fn in_shard(key: &str, shard: Option<(u32, u32)>) -> bool {
    let Some((k, n)) = shard else {
        return true;
    };
    crc32fast::hash(key.as_bytes()) % n.max(1) == k.saturating_sub(1)
}

#[cfg(test)]
mod unit {
    use super::in_shard;

    #[test]
    fn every_key_is_in_exactly_one_shard() {
        for i in 0..500 {
            let key = format!("src/file{i}.rs");
            let hits = (1..=7).filter(|&k| in_shard(&key, Some((k, 7)))).count();
            assert_eq!(hits, 1, "{key}");
            assert!(in_shard(&key, None));
        }
    }
}
