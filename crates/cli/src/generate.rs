//! `selfdirect generate`: a synthetic national population written straight into the store.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use selfdirect_store::synthetic::{generate, GenerateOptions, Phase};

pub async fn run(url: &str, options: GenerateOptions) -> anyhow::Result<()> {
    let bars = MultiProgress::new();
    let style = |what: &str| {
        ProgressStyle::with_template(&format!("{{msg:10}} [{{bar:40}}] {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left)"))
            .expect("valid template")
            .progress_chars("=> ")
    };
    let loading = bars.add(ProgressBar::new(options.people).with_style(style("people")).with_message("loading"));
    let indexing = bars.add(ProgressBar::hidden());
    let rollup = bars.add(ProgressBar::hidden());
    let progress = |phase: Phase, done: u64, of: u64| {
        let bar = match phase {
            Phase::Loading => &loading,
            Phase::Indexing => &indexing,
            Phase::Rollup => &rollup,
        };
        if bar.is_hidden() {
            let (what, msg) = if phase == Phase::Indexing { ("indexes", "indexing") } else { ("councils", "rollup") };
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_style(style(what));
            bar.set_message(msg);
        }
        bar.set_length(of);
        bar.set_position(done);
    };
    let r = generate(url, &options, &progress).await?;
    loading.finish();
    indexing.finish();
    rollup.finish();
    println!(
        "generated {} councils, {} providers, {} people, {} budget accounts, {} plan lines, {} ledger entries, {} postings, {} invoices, {} reviews, {} survey responses",
        r.councils, r.providers, r.made.people, r.made.accounts, r.made.plan_lines, r.made.entries, r.made.postings, r.made.invoices, r.made.reviews, r.made.surveys
    );
    let rate = |n: u64| if r.load_seconds > 0.0 { n as f64 / r.load_seconds } else { 0.0 };
    println!(
        "load {:.1} s ({:.0} people/s, {:.0} postings/s){}; indexes {:.1} s; rollup and statistics {:.1} s",
        r.load_seconds,
        rate(r.made.people),
        rate(r.made.postings),
        if r.fast_load { ", PostgreSQL fast load: indexes built after, foreign-key triggers off" } else { "" },
        r.index_seconds,
        r.rollup_seconds
    );
    Ok(())
}
