//! `selfdirect payments …`: the finance officer's four-weekly payment run from the command line.

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use selfdirect_domain::money::audit::AuditRules;
use selfdirect_domain::money::payment_files::BankFileFormat;
use selfdirect_store::{PaymentRunPreview, PaymentRunReport, RunException, RunOptions, Store};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum PaymentsCommand {
    /// Show what the run for a period would pay, without paying anything.
    Preview {
        /// The council's code, e.g. DEMO1.
        #[arg(long)]
        council: String,
        /// First day of the four-week period (YYYY-MM-DD).
        #[arg(long)]
        period_start: String,
    },
    /// Run (or finish) the four-weekly payment run for a period.
    ///
    /// Accounts are paid in batches, each batch one transaction. If the run is stopped
    /// part way (a crash, a killed process), run the same command again: accounts already
    /// paid are skipped and nobody is paid twice.
    Run {
        #[arg(long)]
        council: String,
        /// First day of the four-week period (YYYY-MM-DD).
        #[arg(long)]
        period_start: String,
        /// The day the money reaches bank accounts (YYYY-MM-DD): a working day a Bacs file
        /// sent today can meet; the earliest such day if left out.
        #[arg(long)]
        pay_date: Option<String>,
        /// Accounts per transaction.
        #[arg(long, default_value_t = 500)]
        batch_size: usize,
        /// Milliseconds to wait between batches, to spare a database serving staff.
        #[arg(long, default_value_t = 0)]
        pause_ms: u64,
    },
    /// List direct-payment accounts to look at: money building up beyond a contingency,
    /// no returns for a long time, a line spent faster than the plan allows.
    Audit {
        #[arg(long)]
        council: String,
        /// The day to audit as at (YYYY-MM-DD); today if left out.
        #[arg(long)]
        as_of: Option<String>,
        /// Weeks of payments a person may keep as a contingency.
        #[arg(long, default_value_t = 8)]
        contingency_weeks: u32,
        /// Days without a return before an account is flagged.
        #[arg(long, default_value_t = 100)]
        return_due_days: u32,
    },
    /// Write the gross pay schedule of every personal assistant, for a payroll provider (CSV).
    Payroll {
        #[arg(long)]
        council: String,
        /// First week start to include (YYYY-MM-DD).
        #[arg(long)]
        from: String,
        /// Last week start to include (YYYY-MM-DD).
        #[arg(long)]
        to: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the bank file for a finished run.
    File {
        #[arg(long)]
        council: String,
        /// First day of the run's period (YYYY-MM-DD).
        #[arg(long)]
        period_start: String,
        /// `standard18` (Bacs submission), `standard18_data` (data records only, for bureau
        /// software), `pain001` (ISO 20022 XML for Bacs) or `pain001_faster` (Faster Payments).
        #[arg(long, default_value = "standard18")]
        format: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
}

fn print_exceptions(exceptions: &[RunException]) {
    if exceptions.is_empty() {
        return;
    }
    println!("{} payments cannot be made until someone acts:", exceptions.len());
    for e in exceptions.iter().take(20) {
        println!("  account {}: {} to {} — {}", e.budget_account_id, e.amount, e.payee_name, e.reason);
    }
    if exceptions.len() > 20 {
        println!("  … and {} more", exceptions.len() - 20);
    }
}

fn print_preview(p: &PaymentRunPreview) {
    println!("preview of the run for {} to {}: {} accounts active", p.period_start, p.period_end, p.accounts);
    println!("would pay {} payments totalling {} (contributions netted off: {})", p.payments, p.total_net, p.total_contributions);
    print_exceptions(&p.exceptions);
}

fn print_report(r: &PaymentRunReport) {
    println!("run {} for {} to {} is {}", r.run_id, r.period_start, r.period_end, r.status);
    println!("paid {} payments totalling {} (contributions netted off: {})", r.payments, r.total_net, r.total_contributions);
    println!("contributions invoiced: {}", r.contributions_invoiced);
    print_exceptions(&r.exceptions);
}

pub async fn run(store: &Store, command: PaymentsCommand) -> anyhow::Result<()> {
    match command {
        PaymentsCommand::Preview { council, period_start } => {
            let c = store.council_by_code(&council).await?;
            print_preview(&store.preview_payment_run(c.id, &period_start).await?);
        }
        PaymentsCommand::Run { council, period_start, pay_date, batch_size, pause_ms } => {
            let c = store.council_by_code(&council).await?;
            let bar = ProgressBar::new(0);
            bar.set_style(ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} accounts ({eta} left)").expect("valid template").progress_chars("=> "));
            bar.set_message("paying");
            let progress = |done: u64, total: u64| {
                bar.set_length(total);
                bar.set_position(done);
                // A line per committed batch: what is durable if the run stops now.
                bar.suspend(|| println!("batch committed: {done}/{total} accounts"));
            };
            let options = RunOptions { batch_size, pause_between_batches: Duration::from_millis(pause_ms), progress: &progress };
            let report = store.payment_run(c.id, &period_start, pay_date.as_deref(), options).await?;
            bar.finish_and_clear();
            print_report(&report);
        }
        PaymentsCommand::Audit { council, as_of, contingency_weeks, return_due_days } => {
            let c = store.council_by_code(&council).await?;
            let as_of = as_of.unwrap_or_else(|| time::OffsetDateTime::now_utc().date().to_string());
            let rules = AuditRules { contingency_weeks, return_due_days, ..AuditRules::default() };
            let findings = store.direct_payment_audit(c.id, &as_of, rules).await?;
            println!("direct-payment audit as at {as_of}: {} accounts to look at", findings.len());
            for f in &findings {
                println!("{} (account {})", f.person_name, f.budget_account_id);
                for flag in &f.flags {
                    println!("  - {}", flag.message());
                }
            }
        }
        PaymentsCommand::Payroll { council, from, to, out } => {
            let c = store.council_by_code(&council).await?;
            let csv = store.payroll_csv(c.id, &from, &to).await?;
            std::fs::write(&out, &csv).with_context(|| format!("cannot write {}", out.display()))?;
            println!("wrote {} pay lines to {}", csv.lines().count().saturating_sub(1), out.display());
        }
        PaymentsCommand::File { council, period_start, format, out } => {
            let c = store.council_by_code(&council).await?;
            let run = store.payment_run_for_period(c.id, &period_start).await?;
            let mut problems = selfdirect_domain::Problems::new();
            let Some(parsed) = BankFileFormat::parse(&mut problems, "format", &format) else {
                anyhow::bail!("{problems}");
            };
            let file = store.payment_file(run.run_id, parsed).await?;
            std::fs::write(&out, &file).with_context(|| format!("cannot write {}", out.display()))?;
            println!("wrote the {format} file for run {} ({} payments, {}) to {}", run.run_id, run.payments, run.total_net, out.display());
        }
    }
    Ok(())
}
