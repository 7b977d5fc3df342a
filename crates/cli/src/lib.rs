//! The `selfdirect` command: serve, migrate, and a demo council.

mod bench_api;
mod bench_learning;
mod bench_money;
mod bench_writes;
mod calendar;
pub mod demo;
mod generate;
mod measure;
pub mod payments;
pub mod ras;

use anyhow::Context;
use clap::{Parser, Subcommand};
use selfdirect_store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Personal budgets and self-directed support for adult social care and the NHS.
///
/// Data is kept in an embedded SQLite database under --data-dir unless --database-url
/// names a PostgreSQL database (postgres://user@host:5432/name).
#[derive(Parser, Debug)]
#[command(name = "selfdirect", version, propagate_version = true)]
pub struct Cli {
    /// Directory for the embedded SQLite database (created if missing).
    #[arg(long, global = true, env = "SELFDIRECT_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// A postgres:// (or sqlite:) URL; overrides --data-dir.
    #[arg(long, global = true, env = "SELFDIRECT_DATABASE_URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web pages and the JSON API (OpenAPI document at /api/openapi.json).
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Reverse proxies in front of the service (comma-separated addresses): a request
        /// from one of them is taken to come from the address it forwarded for, so failed
        /// sign-ins are counted by the real client, not all together by the proxy.
        #[arg(long, env = "SELFDIRECT_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxy: Vec<std::net::IpAddr>,
    },
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// The England and Wales bank holidays that pay dates and Bacs processing days follow.
    BankHolidays {
        #[command(subcommand)]
        command: calendar::BankHolidaysCommand,
    },
    /// Create a demo council with synthetic people, assessments, plans and payments, then serve it.
    Demo {
        /// How many synthetic people to create.
        #[arg(long, default_value_t = 48, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        people: u32,
        /// Seed for the synthetic data: the same seed gives the same people.
        #[arg(long, default_value_t = 2011)]
        seed: u64,
        /// Create the data and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
    /// The Resource Allocation System: publish rules, uprate, recalculate, calibrate, what-if.
    Ras {
        #[command(subcommand)]
        command: ras::RasCommand,
    },
    /// Four-weekly payment runs: preview, run (resumable), and bank files.
    Payments {
        #[command(subcommand)]
        command: payments::PaymentsCommand,
    },
    /// Reviews: the budgets whose review falls due, for planning a team's year.
    Reviews {
        #[command(subcommand)]
        command: ReviewsCommand,
    },
    /// Statutory returns: the quarterly Client Level Data style CSV, with its validation report.
    Returns {
        #[command(subcommand)]
        command: ReturnsCommand,
    },
    /// Generate a synthetic national population (councils, people, assessments, plans,
    /// accounts, four-weekly payments, spending, invoices, reviews, surveys) straight into
    /// the database, in bulk: COPY on PostgreSQL, multi-row INSERTs on SQLite. The same
    /// options give the same data. Every budget goes through the real RAS and every entry
    /// through the ledger's rules; only the writing is bulk.
    Generate {
        /// People across all councils.
        #[arg(long, default_value_t = 10_000)]
        people: u64,
        /// Councils the people are shared between (unequally, as councils are).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1_000))]
        councils: u32,
        /// Years of history, up to today.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
        years: u32,
        /// Months of history instead of whole years (to size a dataset finely).
        #[arg(long, conflicts_with = "years", value_parser = clap::value_parser!(u32).range(1..=120))]
        months: Option<u32>,
        /// The same seed gives the same data (council codes are S<seed>C001…).
        #[arg(long, default_value_t = 2011)]
        seed: u64,
        /// People per batch: one COPY per table (PostgreSQL) or one transaction (SQLite).
        #[arg(long, default_value_t = 2_000)]
        batch: usize,
        /// PostgreSQL only, and only into a database with no people: keep every index and
        /// foreign-key check during the load (slower), instead of building the big
        /// tables' indexes once at the end.
        #[arg(long)]
        no_fast_load: bool,
    },
    /// PostgreSQL roles for a council's analysts: each reads its own council's rows and
    /// nothing else (row-level security), and writes nothing, whatever SQL it runs.
    Readers {
        #[command(subcommand)]
        command: ReadersCommand,
    },
    /// Measure the speed targets on synthetic data: RAS and money in memory (and claims durably), the API under load.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReadersCommand {
    /// Let an existing database role (CREATE ROLE name LOGIN PASSWORD …, not a superuser)
    /// read one council's rows.
    Grant {
        /// The council's id.
        #[arg(long)]
        council: String,
        /// The role: lower-case letters, digits and _.
        #[arg(long)]
        role: String,
    },
    /// Take a reader role's access away (the role itself is left for its administrator).
    Revoke {
        #[arg(long)]
        role: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReviewsCommand {
    /// Budgets whose review falls due by a date, most overdue first, as CSV on standard
    /// output (ended support has none).
    Due {
        /// The council's code.
        #[arg(long)]
        council: String,
        /// YYYY-MM-DD; four weeks from today if left out.
        #[arg(long)]
        by: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReturnsCommand {
    /// Spending by month and kind of support, as CSV on standard output (the dashboard's figures).
    Spending {
        /// The council's id.
        #[arg(long)]
        council: String,
        /// Slice by: category (kind of support), provider, area (postcode district) or
        /// mechanism (how the money is held).
        #[arg(long, value_enum, default_value = "category")]
        by: SliceBy,
    },
    /// Writes the CSV (one row per person per service event active in the quarter) to
    /// standard output or --out, and the validation report to standard error.
    Cld {
        /// The council's id.
        #[arg(long)]
        council: String,
        /// The quarter's first day, e.g. 2026-07-01.
        #[arg(long)]
        quarter: String,
        /// Write the CSV here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// How to slice spending in `returns spending`.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SliceBy {
    Category,
    Provider,
    Area,
    Mechanism,
}

impl SliceBy {
    fn dimension(self) -> selfdirect_store::SpendingDimension {
        use selfdirect_store::SpendingDimension as D;
        match self {
            SliceBy::Category => D::Category,
            SliceBy::Provider => D::Provider,
            SliceBy::Area => D::Area,
            SliceBy::Mechanism => D::Mechanism,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Payment run and claim validation in memory on one core; with --durable-claims, also
    /// claims validated and posted to the database (--database-url or --data-dir).
    Money {
        #[arg(long, default_value_t = 1_500_000)]
        accounts: usize,
        #[arg(long, default_value_t = 1_500_000)]
        claims: usize,
        /// Claims to post to the database (0: skip the durable part).
        #[arg(long, default_value_t = 0)]
        durable_claims: usize,
        /// People with budgets the durable claims are spread over.
        #[arg(long, default_value_t = 2_000)]
        durable_people: usize,
        /// Claims per transaction in the durable part.
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
        #[arg(long, default_value_t = 2011)]
        seed: u64,
    },
    /// Concurrent signed-in users on loopback, each reading their own budget through the
    /// API for a fixed time: throughput, errors, latency percentiles (--database-url or
    /// --data-dir; a demo council is created there).
    Api {
        #[arg(long, default_value_t = 200)]
        users: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
    /// Concurrent budget holders on loopback, each recording spending from their direct
    /// payment through the API for a fixed time (2 s client timeout): throughput, errors,
    /// timeouts, latency percentiles, and one writer at a time as the baseline.
    Writes {
        #[arg(long, default_value_t = 150)]
        writers: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// Every commissioner-dashboard query and the quarterly statutory return on the data in
    /// the store (e.g. made by `generate`), for the largest councils: latency percentiles,
    /// and a baseline that adds spending up from the ledger instead of the rollup.
    Dashboard {
        /// How many of the largest councils to measure.
        #[arg(long, default_value_t = 5)]
        councils: usize,
        /// Times each query runs per council.
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        /// The quarter of the statutory return (its first day); the last full quarter if left out.
        #[arg(long)]
        quarter: Option<String>,
    },
    /// RAS for N synthetic assessments, and calibration over N care packages, on one core.
    Ras {
        #[arg(long, default_value_t = 1_500_000)]
        assessments: usize,
        #[arg(long, default_value_t = 2011)]
        seed: u64,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(cli: &Cli) -> anyhow::Result<Store> {
    let store = match &cli.database_url {
        Some(url) => Store::connect(url).await.with_context(|| format!("cannot open the database at {url}"))?,
        None => Store::open_data_dir(&cli.data_dir).await.with_context(|| format!("cannot open the database in {}", cli.data_dir.display()))?,
    };
    store.migrate().await.context("cannot bring the database schema up to date")?;
    Ok(store)
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Bench { command: BenchCommand::Ras { assessments, seed } } = cli.command {
        return ras::bench(assessments, seed);
    }
    if let Command::Bench { command: BenchCommand::Api { users, seconds } } = cli.command {
        let store = open(&cli).await?;
        return bench_api::run(store, users.max(1), seconds).await;
    }
    if let Command::Bench { command: BenchCommand::Writes { writers, seconds } } = cli.command {
        let store = open(&cli).await?;
        return bench_writes::run(store, writers.max(1), seconds).await;
    }
    if let Command::Bench { command: BenchCommand::Dashboard { councils, rounds, quarter } } = &cli.command {
        let store = open(&cli).await?;
        let quarter = quarter.clone().unwrap_or_else(last_full_quarter);
        return bench_learning::dashboard(&store, *councils, (*rounds).max(1), &quarter).await;
    }
    if let Command::Bench { command: BenchCommand::Money { accounts, claims, durable_claims, durable_people, batch, seed } } = cli.command {
        bench_money::in_memory(accounts, claims, seed);
        if durable_claims > 0 {
            let store = open(&cli).await?;
            bench_money::durable(&store, durable_people, durable_claims, batch.max(1), seed).await?;
        }
        return Ok(());
    }
    if let Command::BankHolidays { command } = cli.command {
        return calendar::run(command);
    }
    // Offline RAS work on files needs no database.
    if let Command::Ras {
        command:
            command @ (ras::RasCommand::SamplePackages { .. }
            | ras::RasCommand::Calibrate { population: ras::Population { council: None, .. } }
            | ras::RasCommand::WhatIf { population: ras::Population { council: None, .. }, .. }),
    } = cli.command
    {
        return ras::run(None, command).await;
    }
    if let Command::Generate { people, councils, years, months, seed, batch, no_fast_load } = cli.command {
        let url = match &cli.database_url {
            Some(url) => url.clone(),
            None => {
                std::fs::create_dir_all(&cli.data_dir).with_context(|| format!("cannot create {}", cli.data_dir.display()))?;
                format!("sqlite://{}?mode=rwc", cli.data_dir.join("selfdirect.sqlite").display())
            }
        };
        let end = time::OffsetDateTime::now_utc().date();
        let months = months.unwrap_or(years * 12);
        let options = selfdirect_store::synthetic::GenerateOptions { people, councils, months, seed, end, batch_people: batch, fast_load: !no_fast_load };
        return generate::run(&url, options).await;
    }
    let store = open(&cli).await?;
    match cli.command {
        Command::Migrate => {
            for name in Store::migration_names() {
                println!("applied {name}");
            }
            println!("database is up to date");
            Ok(())
        }
        Command::Serve { addr, trusted_proxy } => serve(store, addr, trusted_proxy).await,
        Command::Ras { command } => ras::run(Some(&store), command).await,
        Command::Payments { command } => payments::run(&store, command).await,
        Command::Readers { command: ReadersCommand::Grant { council, role } } => {
            store.grant_council_reader(council.parse()?, &role).await?;
            println!("{role} may now read council {council}'s rows, and no other council's");
            Ok(())
        }
        Command::Readers { command: ReadersCommand::Revoke { role } } => {
            store.revoke_council_reader(&role).await?;
            println!("{role} may no longer read any council's rows");
            Ok(())
        }
        Command::Reviews { command: ReviewsCommand::Due { council, by } } => {
            let council = store.council_by_code(&council).await?;
            let by = match by {
                Some(text) => selfdirect_domain::dates::parse_iso_date(&text).map_err(|e| anyhow::anyhow!("--by: {e}"))?,
                None => time::OffsetDateTime::now_utc().date() + time::Duration::days(28),
            };
            let due = store.reviews_due(council.id, by).await?;
            print!("{}", selfdirect_store::reviews_due_csv(&due));
            eprintln!("{} reviews due by {} ({} overdue)", due.len(), by, due.iter().filter(|d| d.overdue).count());
            Ok(())
        }
        Command::Returns { command: ReturnsCommand::Spending { council, by } } => {
            let dimension = by.dimension();
            print!("{}", selfdirect_store::spending_csv(dimension, &store.spending_by(council.parse()?, dimension).await?));
            Ok(())
        }
        Command::Returns { command: ReturnsCommand::Cld { council, quarter, out } } => {
            let started = std::time::Instant::now();
            let r = store.statutory_return(council.parse()?, &quarter).await?;
            let csv = selfdirect_domain::learning::statutory::return_csv(&r);
            match out {
                Some(path) => std::fs::write(&path, csv).with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{csv}"),
            }
            eprintln!(
                "{} rows for {} people; planned {}, spent {}; {} problems ({:.2} s)",
                r.rows.len(),
                r.people,
                r.total_planned,
                r.total_actual,
                r.problems.len(),
                started.elapsed().as_secs_f64()
            );
            for p in &r.problems {
                eprintln!("  person {} line {}: {}", p.person_id, p.plan_line_id, p.problem);
            }
            Ok(())
        }
        Command::Bench { .. } | Command::Generate { .. } | Command::BankHolidays { .. } => unreachable!("handled before the database is opened"),
        Command::Demo { people, seed, no_serve, addr } => {
            let (council, users) = demo::create(&store, demo::Options { people, seed, show_progress: true }).await?;
            println!("created {} ({}) with {people} people", council.name, council.code);
            println!("sign in with any of these (password: {}; made-up data only):", demo::DEMO_PASSWORD);
            for u in &users {
                println!("  {:<40} {} ({})", u.email, u.role, u.who);
            }
            if no_serve {
                return Ok(());
            }
            println!("council page: /councils/{}", council.id);
            serve(store, addr, Vec::new()).await
        }
    }
}

/// The first day of the last quarter (April, July, October, January) that has ended.
fn last_full_quarter() -> String {
    let today = time::OffsetDateTime::now_utc().date();
    let this_quarter = (today.month() as i32 - 1) / 3 * 3 + 1;
    let first = selfdirect_domain::dates::add_months(time::Date::from_calendar_date(today.year(), time::Month::January, 1).expect("valid"), this_quarter - 1);
    selfdirect_domain::dates::iso(selfdirect_domain::dates::add_months(first, -3))
}

async fn serve(store: Store, addr: SocketAddr, trusted_proxies: Vec<std::net::IpAddr>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    // Tests and scripts read this line to find the port.
    println!("serving on http://{local}");
    selfdirect_web::serve_behind(listener, store, trusted_proxies).await?;
    Ok(())
}
