//! `journey-attribution demo`: the web demo and a local API on 127.0.0.1 that runs the real
//! touch handlers (`tagging` for Pinpoint, `connect-tagging`, `ses-tagging`) and `sync` over
//! in-memory stores, with a clock the page advances.

mod api;
pub(crate) mod holdout;
mod payloads;
pub(crate) mod world;

use std::error::Error;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8484)]
    pub port: u16,
    /// The demo page's folder.
    #[arg(long, default_value = "web-demo")]
    pub web_dir: PathBuf,
    /// The built npm package's folder (scripts/build-npm.sh).
    #[arg(long, default_value = "target/npm/pkg")]
    pub npm_dir: PathBuf,
}

pub fn run(args: Args) -> Result<(), Box<dyn Error>> {
    for (dir, hint) in [
        (
            &args.web_dir,
            "run from the repository root, or pass --web-dir",
        ),
        (
            &args.npm_dir,
            "build the npm package first: scripts/build-npm.sh",
        ),
    ] {
        if !dir.is_dir() {
            return Err(format!("{}: not a directory ({hint})", dir.display()).into());
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
                .await?;
        let addr = listener.local_addr()?;
        println!("journey-attribution demo: http://{addr}/");
        println!(
            "(in-memory table and user pool; the real tagging, connect-tagging, ses-tagging and sync handlers; Ctrl-C stops it)"
        );
        let app = api::router(args.web_dir, args.npm_dir, addr);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}
