//! The local control socket: while a server holds the database, admin
//! commands reach it through `control.sock` in the data directory, a Unix
//! socket only its owner can open (0600; the peer's user id is checked
//! too). One JSON request a line in, one JSON answer a line out. Nothing
//! that passes through it is logged but the command's name.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::request::{execute, Request};
use super::AdminError;
use crate::oauth::Provider;

/// The largest request line read (a request is a few hundred bytes).
const MAX_REQUEST: u64 = 1024 * 1024;

/// The socket's path for a data directory.
pub fn socket_path(data: &Path) -> PathBuf {
    data.join("control.sock")
}

/// What the server answers.
#[derive(Debug, Serialize, Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    output: Value,
    #[serde(default)]
    error: Option<String>,
}

/// Listens on the data directory's control socket until the process ends.
pub fn serve<P>(provider: Arc<P>, data: &Path) -> std::io::Result<PathBuf>
where
    P: AsRef<Provider> + Send + Sync + 'static,
{
    let path = socket_path(data);
    // A socket left by a killed server: nothing listens on it any more.
    if path.exists() {
        std::fs::remove_file(&path)?;
    }
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    let own_uid = own_uid();
    actix_web::rt::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let allowed = stream
                .peer_cred()
                .is_ok_and(|cred| cred.uid() == own_uid || cred.uid() == 0);
            let provider = provider.clone();
            actix_web::rt::spawn(async move {
                if allowed {
                    let _ = answer((*provider).as_ref(), stream).await;
                }
            });
        }
    });
    Ok(path)
}

/// This process's user id (the owner of its `/proc/self`).
fn own_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map_or(0, |m| m.uid())
}

async fn answer(provider: &Provider, stream: UnixStream) -> std::io::Result<()> {
    let (read, write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_REQUEST))
        .read_line(&mut line)
        .await?;
    let answer = match serde_json::from_str::<Request>(&line) {
        Ok(Request::Backup) => {
            log::info!("control socket: a backup");
            provider
                .audit(crate::oauth::audit::AuditEvent {
                    event: "cli_backup",
                    actor: Some("cli"),
                    ..Default::default()
                })
                .await;
            let store = provider.store.clone();
            let now = provider.clock.now();
            let made = actix_web::rt::task::spawn_blocking(move || {
                let mut bytes = Vec::new();
                store
                    .write_backup(&mut bytes, now)
                    .map(|summary| (summary, bytes))
            })
            .await;
            return match made {
                Ok(Ok((summary, bytes))) => {
                    let output =
                        serde_json::json!({"records": summary.records, "bytes": summary.bytes});
                    send_answer(write, &Answer::done(output), &bytes).await
                }
                Ok(Err(e)) => send_answer(write, &Answer::refused(e.to_string()), &[]).await,
                Err(e) => send_answer(write, &Answer::refused(e.to_string()), &[]).await,
            };
        }
        Ok(request) => {
            let rotates = matches!(request, Request::KeysRotate);
            log::info!("control socket: {request:?}");
            let done = execute(
                &provider.store,
                request,
                provider.settings.pbkdf2_iterations,
                provider.clock.now(),
            )
            .await;
            // A rotation takes effect in the running server at once.
            if rotates && done.is_ok() {
                if let Err(e) = provider.reload_keys().await {
                    log::error!("control socket: reloading the keys failed: {e}");
                }
            }
            match done {
                Ok(output) => Answer::done(output),
                Err(e) => Answer::refused(e.0),
            }
        }
        Err(e) => Answer::refused(format!("not a request: {e}")),
    };
    send_answer(write, &answer, &[]).await
}

impl Answer {
    fn done(output: Value) -> Self {
        Answer {
            ok: true,
            output,
            error: None,
        }
    }

    fn refused(error: String) -> Self {
        Answer {
            ok: false,
            output: Value::Null,
            error: Some(error),
        }
    }
}

/// Writes an answer line, then `then` (a backup's bytes), and closes.
async fn send_answer(
    mut write: tokio::net::unix::OwnedWriteHalf,
    answer: &Answer,
    then: &[u8],
) -> std::io::Result<()> {
    let mut text = serde_json::to_string(answer).unwrap_or_default();
    text.push('\n');
    write.write_all(text.as_bytes()).await?;
    write.write_all(then).await?;
    write.shutdown().await
}

/// Backs up the database in `data` into `out`: through the running server
/// when one holds it, else from the database directly. Written to a
/// temporary file beside `out` and renamed, so `out` is whole or absent.
pub async fn backup(
    data: &Path,
    cache_bytes: u64,
    out: &Path,
    now: u64,
) -> Result<Value, AdminError> {
    let partial = out.with_extension("partial");
    let outcome = backup_to(data, cache_bytes, &partial, now).await;
    match outcome {
        Ok(summary) => {
            std::fs::rename(&partial, out).map_err(super::fail)?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

async fn backup_to(
    data: &Path,
    cache_bytes: u64,
    file: &Path,
    now: u64,
) -> Result<Value, AdminError> {
    if let Ok(mut stream) = UnixStream::connect(socket_path(data)).await {
        let mut line = serde_json::to_string(&Request::Backup).map_err(super::fail)?;
        line.push('\n');
        stream
            .write_all(line.as_bytes())
            .await
            .map_err(super::fail)?;
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        reader.read_line(&mut head).await.map_err(super::fail)?;
        let answer: Answer = serde_json::from_str(&head)
            .map_err(|e| AdminError(format!("the server's control socket answered badly: {e}")))?;
        if !answer.ok {
            return Err(AdminError(
                answer.error.unwrap_or_else(|| "the backup failed".into()),
            ));
        }
        let mut target = tokio::fs::File::create(file).await.map_err(super::fail)?;
        let copied = tokio::io::copy(&mut reader, &mut target)
            .await
            .map_err(super::fail)?;
        target.sync_all().await.map_err(super::fail)?;
        if Some(copied) != answer.output["bytes"].as_u64() {
            return Err(AdminError("the backup arrived incomplete".into()));
        }
        return Ok(answer.output);
    }
    let store = super::open(data, cache_bytes)?;
    let target = std::fs::File::create(file).map_err(super::fail)?;
    let mut writer = std::io::BufWriter::new(target);
    let summary = store.write_backup(&mut writer, now).map_err(super::fail)?;
    let target = writer.into_inner().map_err(|e| super::fail(e.error()))?;
    target.sync_all().map_err(super::fail)?;
    Ok(serde_json::json!({"records": summary.records, "bytes": summary.bytes}))
}

/// Sends a request to the server that holds `data`; `Ok(None)` when no
/// server listens there (the caller then opens the database itself).
pub async fn send(data: &Path, request: &Request) -> Result<Option<Value>, AdminError> {
    let Ok(mut stream) = UnixStream::connect(socket_path(data)).await else {
        return Ok(None);
    };
    let mut line = serde_json::to_string(request).map_err(super::fail)?;
    line.push('\n');
    stream
        .write_all(line.as_bytes())
        .await
        .map_err(super::fail)?;
    let mut reply = String::new();
    BufReader::new(stream)
        .read_line(&mut reply)
        .await
        .map_err(super::fail)?;
    let answer: Answer = serde_json::from_str(&reply)
        .map_err(|e| AdminError(format!("the server's control socket answered badly: {e}")))?;
    match answer {
        Answer {
            ok: true, output, ..
        } => Ok(Some(output)),
        Answer { error, .. } => Err(AdminError(
            error.unwrap_or_else(|| "the server refused".into()),
        )),
    }
}
