//! Backups of the embedded store, and restoring one into a new directory.
//!
//! The file: `GHBACKUP`, a format byte (1), the store format, the next id
//! the database would hand out and the time it was made (u64, big-endian),
//! then every record of every tree as `1, name length (u16), name, key
//! length (u32), key, value length (u32), value` (values are the stored
//! bytes, each with its own record version), then `0`, then the SHA-256 of
//! everything before it. Restoring checks the checksum before it keeps
//! anything.
//!
//! Consistency: every write acknowledged before the backup starts is in it
//! (it begins with a flush), except what was removed before it was read
//! (a revoked token never comes back); each record is as it was at one
//! moment during the backup.

use std::io::{Read, Write};

use ring::digest::{Context, SHA256};

use super::*;

const MAGIC: &[u8; 8] = b"GHBACKUP";
const FORMAT: u8 = 1;

/// What a backup or a restore went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSummary {
    /// Records written or restored.
    pub records: u64,
    /// Bytes of the backup file.
    pub bytes: u64,
}

/// A writer that hashes what passes.
struct Hashing<W> {
    inner: W,
    hash: Context,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn io_err(e: std::io::Error) -> StoreError {
    StoreError::Db(format!("backup: {e}"))
}

fn bad(why: &str) -> StoreError {
    StoreError::Codec(format!("not a usable backup: {why}"))
}

impl SledStore {
    /// Writes a backup of every tree to `out` at time `now`.
    pub fn write_backup(&self, out: impl Write, now: u64) -> StoreResult<BackupSummary> {
        self.flush_blocking()?;
        let mut w = Hashing {
            inner: out,
            hash: Context::new(&SHA256),
            bytes: 0,
        };
        let next_id = self.next_id()?;
        w.write_all(MAGIC).map_err(io_err)?;
        w.write_all(&[FORMAT, crate::store::FORMAT])
            .map_err(io_err)?;
        w.write_all(&next_id.to_be_bytes()).map_err(io_err)?;
        w.write_all(&now.to_be_bytes()).map_err(io_err)?;
        let mut records = 0u64;
        for name in self.db.tree_names() {
            let tree = self.db.open_tree(&name).map_err(db_err)?;
            let name_len = u16::try_from(name.len()).map_err(|_| bad("a tree name is too long"))?;
            for entry in tree.iter() {
                let (key, value) = entry.map_err(db_err)?;
                let key_len = u32::try_from(key.len()).map_err(|_| bad("a key is too long"))?;
                let value_len =
                    u32::try_from(value.len()).map_err(|_| bad("a value is too long"))?;
                w.write_all(&[1]).map_err(io_err)?;
                w.write_all(&name_len.to_be_bytes()).map_err(io_err)?;
                w.write_all(&name).map_err(io_err)?;
                w.write_all(&key_len.to_be_bytes()).map_err(io_err)?;
                w.write_all(&key).map_err(io_err)?;
                w.write_all(&value_len.to_be_bytes()).map_err(io_err)?;
                w.write_all(&value).map_err(io_err)?;
                records += 1;
            }
        }
        w.write_all(&[0]).map_err(io_err)?;
        let digest = w.hash.clone().finish();
        w.inner.write_all(digest.as_ref()).map_err(io_err)?;
        w.inner.flush().map_err(io_err)?;
        Ok(BackupSummary {
            records,
            bytes: w.bytes + 32,
        })
    }

    /// Restores a backup into `data`, which must not exist or be empty;
    /// nothing is kept unless the whole file checks out.
    pub fn restore_backup(
        input: impl Read,
        data: &Path,
        cache_bytes: u64,
    ) -> StoreResult<BackupSummary> {
        let empty = match std::fs::read_dir(data) {
            Ok(mut entries) => entries.next().is_none(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(io_err(e)),
        };
        if !empty {
            return Err(StoreError::Db(format!(
                "{} is not empty; restore into a new directory",
                data.display()
            )));
        }
        let outcome = Self::restore_into(input, data, cache_bytes);
        if outcome.is_err() {
            let _ = std::fs::remove_dir_all(data);
        }
        outcome
    }

    fn restore_into(input: impl Read, data: &Path, cache_bytes: u64) -> StoreResult<BackupSummary> {
        let mut r = std::io::BufReader::new(input);
        let mut hash = Context::new(&SHA256);
        let mut bytes = 0u64;
        let mut read = |buf: &mut [u8], hash: &mut Context| -> StoreResult<()> {
            r.read_exact(buf).map_err(|_| bad("it ends too soon"))?;
            hash.update(buf);
            bytes += buf.len() as u64;
            Ok(())
        };
        let mut head = [0u8; 26];
        read(&mut head, &mut hash)?;
        if &head[..8] != MAGIC {
            return Err(bad("it does not start with GHBACKUP"));
        }
        if head[8] != FORMAT {
            return Err(bad(&format!(
                "backup format {} is unknown to this version",
                head[8]
            )));
        }
        if head[9] > crate::store::FORMAT {
            return Err(bad(&format!(
                "it holds store format {}, newer than this version's {}",
                head[9],
                crate::store::FORMAT
            )));
        }
        let mut next_id = [0u8; 8];
        next_id.copy_from_slice(&head[10..18]);
        let db = sled::Config::new()
            .path(data)
            .cache_capacity(cache_bytes)
            .open()
            .map_err(db_err)?;
        let mut records = 0u64;
        loop {
            let mut tag = [0u8; 1];
            read(&mut tag, &mut hash)?;
            if tag[0] == 0 {
                break;
            }
            if tag[0] != 1 {
                return Err(bad("an entry has an unknown tag"));
            }
            let mut len2 = [0u8; 2];
            read(&mut len2, &mut hash)?;
            let mut name = vec![0u8; usize::from(u16::from_be_bytes(len2))];
            read(&mut name, &mut hash)?;
            let mut field = |hash: &mut Context| -> StoreResult<Vec<u8>> {
                let mut len4 = [0u8; 4];
                read(&mut len4, hash)?;
                let len = usize::try_from(u32::from_be_bytes(len4)).map_err(|_| bad("length"))?;
                if len > 64 * 1024 * 1024 {
                    return Err(bad("an entry is larger than any record"));
                }
                let mut buf = vec![0u8; len];
                read(&mut buf, hash)?;
                Ok(buf)
            };
            let key = field(&mut hash)?;
            let value = field(&mut hash)?;
            db.open_tree(&name)
                .map_err(db_err)?
                .insert(key, value)
                .map_err(db_err)?;
            records += 1;
        }
        let mut sum = [0u8; 32];
        r.read_exact(&mut sum)
            .map_err(|_| bad("it has no checksum"))?;
        if sum != hash.finish().as_ref() {
            return Err(bad("its checksum does not match: the file is damaged"));
        }
        let mut extra = [0u8; 1];
        if r.read(&mut extra).map_err(io_err)? != 0 {
            return Err(bad("there is more after its checksum"));
        }
        db.open_tree("settings")
            .map_err(db_err)?
            .insert(ID_FLOOR, &next_id)
            .map_err(db_err)?;
        db.flush().map_err(db_err)?;
        Ok(BackupSummary {
            records,
            bytes: bytes + 32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::{TokenKind, TokenRecord};

    fn token(n: u8) -> TokenRecord {
        TokenRecord {
            kind: TokenKind::Access,
            client_id: "c".into(),
            user_id: None,
            scope: "read".into(),
            issued_at: u64::from(n),
            expires_at: None,
            grant_id: None,
            auth_time: None,
            rotated: None,
        }
    }

    fn filled() -> (tempfile::TempDir, SledStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(&dir.path().join("db"), 1 << 20).unwrap();
        for n in 0..50u8 {
            store
                .tokens
                .insert([n; 32], encode(&token(n)).unwrap())
                .unwrap();
        }
        for _ in 0..10 {
            store.next_id().unwrap();
        }
        (dir, store)
    }

    #[test]
    fn a_backup_restores_every_record_and_ids_go_on_above_the_old_ones() {
        let (dir, store) = filled();
        let last_id = store.next_id().unwrap();
        let mut file = Vec::new();
        let summary = store.write_backup(&mut file, 7).unwrap();
        assert_eq!(summary.bytes, file.len() as u64);
        let target = dir.path().join("restored");
        let restored = SledStore::restore_backup(&file[..], &target, 1 << 20).unwrap();
        assert_eq!(restored.records, summary.records);
        let copy = SledStore::open(&target, 1 << 20).unwrap();
        for n in 0..50u8 {
            let bytes = copy.tokens.get([n; 32]).unwrap().unwrap();
            assert_eq!(decode::<TokenRecord>(&bytes).unwrap(), token(n));
        }
        assert!(copy.next_id().unwrap() > last_id + 1);
    }

    #[test]
    fn a_damaged_backup_restores_nothing() {
        let (dir, store) = filled();
        let mut file = Vec::new();
        store.write_backup(&mut file, 7).unwrap();
        let middle = file.len() / 2;
        file[middle] ^= 0x55;
        let target = dir.path().join("restored");
        let e = SledStore::restore_backup(&file[..], &target, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("not a usable backup"), "{e}");
        assert!(!target.exists(), "nothing is kept");
        let e = SledStore::restore_backup(&file[..file.len() - 40], &target, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("not a usable backup"), "{e}");
    }

    #[test]
    fn a_restore_refuses_a_directory_that_is_not_empty() {
        let (dir, store) = filled();
        let mut file = Vec::new();
        store.write_backup(&mut file, 7).unwrap();
        let target = dir.path().join("busy");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("keep.txt"), "mine").unwrap();
        let e = SledStore::restore_backup(&file[..], &target, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("not empty"), "{e}");
        assert!(target.join("keep.txt").exists());
    }
}
