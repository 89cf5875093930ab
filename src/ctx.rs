//! `Ctx`: what every command gets. Everything in it is lazy, so `inc --version`, `inc man` and
//! the local commands never read more than they need, and only commands that send build clients.

use std::cell::{Cell, OnceCell};
use std::path::PathBuf;
use std::rc::Rc;

use jiff::Timestamp;

use crate::config::{Config, Env};
use crate::deliver::{DeliveryResult, Engine, Interrupted, Observer, Stage};
use crate::error::{CliError, CliResult};
use crate::io::Io;
use crate::journal::{Journal, JournalError};
use crate::model::{Event, EventKind, Incident};
use crate::outbox::Outbox;
use crate::outbox::down::Marks;
use crate::prompt::Prompter;
use crate::providers::{Delivery, Providers};

/// The global flags every command takes.
#[derive(clap::Args, Clone, Debug)]
pub struct GlobalArgs {
    /// Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Incident to act on [default: the current incident]
    #[arg(long, global = true, value_name = "ID")]
    pub incident: Option<String>,
    /// Print exactly one JSON document on stdout
    #[arg(long, global = true)]
    pub json: bool,
    /// Print every message that would be sent; send nothing, write nothing
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Skip confirmations
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
    /// Never prompt (a missing value is an error naming its flag)
    #[arg(long, global = true)]
    pub no_input: bool,
    /// Print only ids and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log to stderr (repeat for more); secrets are never logged
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to use colour (NO_COLOR is honoured in `auto`)
    #[arg(long, global = true, value_enum, default_value_t = crate::io::ColorChoice::Auto, value_name = "WHEN")]
    pub color: crate::io::ColorChoice,
}

/// Something a run waits on (a provider's answer), for the renderer's progress line: flows
/// and the delivery engine say what they wait for; only the renderer draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    pub provider: String,
    /// What is done: a delivery's action (`page_ic`, `create_channel`, ...), or a read
    /// (`oncall`, `sync`).
    pub action: String,
    /// Who or what for (`#inc-20261126-checkout`, `service PICSRVC`).
    pub target: String,
}

impl Wait {
    pub fn new(provider: &str, action: &str, target: &str) -> Wait {
        Wait {
            provider: provider.into(),
            action: action.into(),
            target: target.into(),
        }
    }
}

/// Where a run reports what it waits on (the renderer's spinner, on a terminal).
pub trait Progress {
    /// A wait starts; the token ends it.
    fn begin(&self, waits: Vec<Wait>) -> u64;
    /// The wait is over (a spinner with nothing left to wait on is cleared at once).
    fn end(&self, token: u64);
    /// Lines are about to be printed while waits go on: clear the spinner now (it comes back
    /// under them while the waits last).
    fn clear(&self) {}
}

/// A wait in progress, reported until it is dropped.
pub struct Waiting<'a> {
    ctx: &'a Ctx,
    token: Option<u64>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let (Some(p), Some(t)) = (self.ctx.progress.get(), self.token) {
            p.end(t);
        }
    }
}

/// Who a command acts for when it is not the person at the terminal: the sender of a room
/// command (`inc bot`). The ids of what the command writes (its events, an incident it opens)
/// derive from the command's own id, so that two bots that both act on one command write the
/// same things, which the providers and the merge then count once.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The sender as an identity (a Slack profile email, a Matrix user id).
    pub name: String,
    /// Where the name comes from (`Matrix sender`, `Slack sender`).
    pub source: &'static str,
    /// `[a-z0-9]`, at least 8 characters, the same on every machine for one command.
    pub key: String,
    /// The command's own time (the provider's), for the ids of what it opens.
    pub at: Timestamp,
    /// The incident the command's room belongs to; `None`: no incident, never the journal's
    /// current one.
    pub incident: Option<String>,
    /// Rooms (`provider`, room id or name) whose copy of a post the caller makes itself: the
    /// command's room, where the reply is the post.
    pub own_rooms: Vec<(String, String)>,
}

/// One delivery this run handed to the engine, and where it stands: what Ctrl-C reports.
#[derive(Clone, Debug)]
struct Flight {
    delivery: Delivery,
    /// `None` until its first attempt.
    stage: Option<Stage>,
    /// Set when the engine is done with it.
    result: Option<DeliveryResult>,
}

/// What an earlier run delivered, by dedup key: the provider's id and URL.
type DoneBefore = (Option<String>, Option<String>);

/// Every delivery of this run, in the order they were handed to the engine (none kept when
/// the second field is set: the command answers signals itself).
#[derive(Default)]
struct Ledger(std::cell::RefCell<Vec<Flight>>, Cell<bool>);

impl Ledger {
    fn start(&self, d: &Delivery) {
        if self.1.get() {
            return;
        }
        self.0.borrow_mut().push(Flight {
            delivery: d.clone(),
            stage: None,
            result: None,
        });
    }

    fn done(&self, r: &DeliveryResult) {
        if self.1.get() {
            return;
        }
        let mut flights = self.0.borrow_mut();
        if let Some(f) = flights
            .iter_mut()
            .rev()
            .find(|f| f.result.is_none() && f.delivery.dedup_key == r.delivery.dedup_key)
        {
            f.result = Some(r.clone());
        } else {
            flights.push(Flight {
                delivery: r.delivery.clone(),
                stage: None,
                result: Some(r.clone()),
            });
        }
    }
}

impl Observer for Ledger {
    fn stage(&self, d: &Delivery, stage: Stage) {
        if let Some(f) = self
            .0
            .borrow_mut()
            .iter_mut()
            .rev()
            .find(|f| f.result.is_none() && f.delivery.dedup_key == d.dedup_key)
        {
            f.stage = Some(stage);
        }
    }
}

pub struct Ctx {
    pub io: Io,
    pub global: GlobalArgs,
    pub env: Env,
    config: OnceCell<Rc<Config>>,
    providers: OnceCell<Rc<Providers>>,
    me: OnceCell<crate::identity::Identity>,
    /// Set for a command from a room (`inc bot`): who it acts for.
    actor: Option<Actor>,
    /// The events recorded so far for the actor (their ids are the actor's key and a number).
    events_made: Cell<u32>,
    /// Warnings flows leave for the renderer (flows never print).
    warnings: std::cell::RefCell<Vec<String>>,
    /// Under `--dry-run`: what would have been sent, for the renderer.
    would_send: std::cell::RefCell<Vec<Delivery>>,
    /// The rest of this run is a dry run although `--dry-run` was not given (a drill's
    /// `inc comms`: SPEC "Drills").
    dry_from_here: std::cell::Cell<bool>,
    /// Where waits are reported (set by the renderer on a terminal; none elsewhere).
    progress: OnceCell<Box<dyn Progress>>,
    /// Providers this run leaves out because their secret is missing ([`Ctx::gate`]), each
    /// with why: nothing is sent to them, nothing of theirs goes to the outbox.
    skipped: std::cell::RefCell<Vec<(String, String)>>,
    /// The incident of this run has no room: the terminal is its room (a drill on a config
    /// with shared rooms only: SPEC "Drills"), so the renderer shows what a room would read.
    terminal_room: std::cell::Cell<bool>,
    /// This run's deliveries and where each stands (Ctrl-C reports them).
    ledger: Ledger,
    /// Set at the first wait on a provider: from then on Ctrl-C is answered by
    /// [`Ctx::interrupted`] (before it, nothing is in flight and Ctrl-C ends the process).
    armed: std::cell::Cell<bool>,
    arm: tokio::sync::Notify,
    /// The command answers SIGINT / SIGTERM itself (`inc bot`: what is in flight finishes):
    /// Ctrl-C is not turned into [`Ctx::interrupted`], and the ledger keeps no flights (a run
    /// that lasts weeks must not hold every delivery it ever made).
    own_signals: Cell<bool>,
    /// Resuming a half-done action (a re-run `declare`): what was delivered before, by dedup
    /// key, is not sent again.
    done_before: std::cell::RefCell<std::collections::HashMap<String, DoneBefore>>,
    resumed: std::cell::RefCell<Option<String>>,
}

impl From<JournalError> for CliError {
    fn from(e: JournalError) -> Self {
        match e {
            JournalError::NotFound(id) => {
                CliError::no_incident(format!("no incident '{id}' in the journal"))
                    .hint("`inc list` shows the incidents")
            }
            other => CliError::failed(other.to_string()),
        }
    }
}

impl From<crate::config::ConfigError> for CliError {
    fn from(e: crate::config::ConfigError) -> Self {
        CliError::config(e.to_string())
    }
}

impl Ctx {
    pub fn new(global: GlobalArgs, env: Env) -> Ctx {
        let io = Io::new(
            &env,
            global.color,
            global.json,
            global.quiet,
            global.verbose,
            global.no_input,
        );
        Ctx {
            io,
            global,
            env,
            config: OnceCell::new(),
            providers: OnceCell::new(),
            me: OnceCell::new(),
            actor: None,
            events_made: Cell::new(0),
            warnings: Default::default(),
            would_send: Default::default(),
            dry_from_here: Default::default(),
            progress: OnceCell::new(),
            skipped: Default::default(),
            terminal_room: Default::default(),
            ledger: Ledger::default(),
            armed: Default::default(),
            arm: tokio::sync::Notify::new(),
            own_signals: Cell::new(false),
            done_before: Default::default(),
            resumed: Default::default(),
        }
    }

    pub fn config(&self) -> CliResult<&Config> {
        if let Some(c) = self.config.get() {
            return Ok(c);
        }
        let c = Config::load(self.global.config.as_deref(), &self.env)?;
        crate::providers::check_config(&c)?;
        if let Some(f) = &c.file {
            self.io.log(1, &format!("config: {}", f.display()));
        }
        Ok(self.config.get_or_init(|| Rc::new(c)))
    }

    /// A context for one command from a room (`inc bot`): the same config and provider clients
    /// (their connections and caches are shared), acting for `actor` on its incident, with its
    /// own warnings. The config must have been loaded.
    pub fn for_actor(&self, actor: Actor) -> CliResult<Ctx> {
        // Builds the clients' home (and loads the config) once, for every command to share.
        self.providers()?;
        let mut global = self.global.clone();
        global.incident = actor.incident.clone();
        global.json = false;
        let mut ctx = Ctx::new(global, self.env.clone());
        if let (Some(c), Some(p)) = (self.config.get(), self.providers.get()) {
            let _ = ctx.config.set(Rc::clone(c));
            let _ = ctx.providers.set(Rc::clone(p));
        }
        let _ = ctx.me.set(crate::identity::Identity {
            name: actor.name.clone(),
            source: actor.source,
        });
        ctx.actor = Some(actor);
        Ok(ctx)
    }

    /// The command answers SIGINT and SIGTERM itself (a long-running `inc bot`): call before
    /// anything is sent.
    pub fn own_signals(&self) {
        self.own_signals.set(true);
        self.ledger.1.set(true);
    }

    /// Who this command acts for, when it came from a room.
    pub fn actor(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    /// Whether the caller posts its own copy in this room (the command's room, where the
    /// reply is the post): the flows leave it out.
    pub fn posts_itself(&self, provider: &str, room: &str) -> bool {
        self.actor
            .as_ref()
            .is_some_and(|a| a.own_rooms.iter().any(|(p, r)| p == provider && r == room))
    }

    /// The id of an incident this run opens: new, or derived from the actor's command (the
    /// same on every bot that acts on it).
    pub fn new_incident_id(&self) -> String {
        match &self.actor {
            Some(a) => format!(
                "{}-{}",
                a.at.strftime("%y%m%d-%H%M"),
                a.key.chars().take(4).collect::<String>()
            ),
            None => crate::journal::new_id(self.now()),
        }
    }

    pub fn journal(&self) -> CliResult<Journal> {
        Ok(Journal::new(&self.config()?.state_dir))
    }

    pub fn outbox(&self) -> CliResult<Outbox> {
        Ok(Outbox::new(&self.config()?.state_dir))
    }

    /// Now, in UTC. `INC_NOW` fixes the clock (tests, replaying a timeline).
    pub fn now(&self) -> Timestamp {
        self.env
            .get("INC_NOW")
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(Timestamp::now)
    }

    /// A warning for the user (stderr, by the renderer): a flow's way to say something went wrong
    /// without failing.
    pub fn warn(&self, message: impl Into<String>) {
        self.warnings.borrow_mut().push(message.into());
    }

    /// Reports the run's waits to `progress` from now on (once; later calls are ignored).
    pub fn set_progress(&self, progress: Box<dyn Progress>) {
        let _ = self.progress.set(progress);
    }

    /// Clears the spinner before the renderer prints while waits go on (CALL THEM NOW).
    pub fn clear_progress(&self) {
        if let Some(p) = self.progress.get() {
            p.clear();
        }
    }

    /// Reports `waits` until the returned guard is dropped: the renderer's spinner says what
    /// the run waits for. Flows call it around a slow read; [`Ctx::deliver`] around every send.
    pub fn waiting(&self, waits: Vec<Wait>) -> Waiting<'_> {
        self.arm();
        let token = match self.progress.get() {
            Some(p) if !waits.is_empty() => Some(p.begin(waits)),
            _ => None,
        };
        Waiting { ctx: self, token }
    }

    /// What `--dry-run` would have sent so far, once.
    pub fn take_would_send(&self) -> Vec<Delivery> {
        std::mem::take(&mut *self.would_send.borrow_mut())
    }

    /// The warnings so far, once.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.borrow_mut())
    }

    /// The person running inc, for `--ic me` and the journal's `by` (SPEC's identity order).
    pub fn identity(&self) -> &crate::identity::Identity {
        self.me.get_or_init(|| {
            let user = self
                .config()
                .map(|c| c.values.user.clone())
                .unwrap_or_default();
            crate::identity::resolve(&user, &self.env, crate::identity::git_email)
        })
    }

    pub fn me(&self) -> String {
        self.identity().name.clone()
    }

    pub fn dry_run(&self) -> bool {
        self.global.dry_run || self.dry_from_here.get()
    }

    /// Makes the rest of this run a dry run, as if `--dry-run` had been given: what a drill's
    /// `inc comms` would post is shown, and nothing is sent or written (SPEC "Drills").
    pub fn dry_run_from_here(&self) {
        self.dry_from_here.set(true);
    }

    /// The terminal is the incident's room for the rest of this run (see `terminal_room`).
    pub fn set_terminal_is_room(&self) {
        self.terminal_room.set(true);
    }

    pub fn terminal_is_room(&self) -> bool {
        self.terminal_room.get()
    }

    /// A prompter when a human can answer, else `None` (scripts never block).
    pub fn prompter(&self) -> Option<Prompter> {
        self.io.can_prompt().then(Prompter::new)
    }

    /// The incident to act on: `--incident`, else the current one; exit 4 when there is none.
    pub fn incident_id(&self) -> CliResult<String> {
        let journal = self.journal()?;
        if let Some(a) = &self.actor {
            return match &a.incident {
                Some(id) if journal.exists(id) => Ok(id.clone()),
                _ => Err(CliError::no_incident("no incident in this room")),
            };
        }
        match &self.global.incident {
            Some(id) if journal.exists(id) => Ok(id.clone()),
            Some(id) => Err(CliError::no_incident(format!(
                "--incident {id}: no such incident in the journal"
            ))
            .hint("`inc list` shows the incidents")),
            None => journal.current().ok_or_else(|| {
                CliError::no_incident("no current incident")
                    .hint("declare one with `inc declare TITLE`, or pass --incident ID")
            }),
        }
    }

    /// Loads an incident, warning about torn journal lines.
    pub fn load(&self, id: &str) -> CliResult<Incident> {
        let (inc, report) = self.journal()?.load(id)?;
        for (line, err) in report.skipped {
            self.warn(format!(
                "journal of {id}: skipped unreadable line {line} ({err})"
            ));
        }
        Ok(inc)
    }

    /// The incident a paging command belongs to, if any: `--incident` (which must exist: exit 4),
    /// else the current incident while it is open. Paging works with no incident at all.
    pub fn optional_incident(&self) -> CliResult<Option<Incident>> {
        if let Some(a) = &self.actor {
            return match &a.incident {
                Some(_) => self.current_incident().map(Some),
                None => Ok(None),
            };
        }
        if self.global.incident.is_some() {
            return self.current_incident().map(Some);
        }
        Ok(self
            .journal()?
            .current()
            .and_then(|id| self.load(&id).ok())
            .filter(|i| i.is_open()))
    }

    pub fn current_incident(&self) -> CliResult<Incident> {
        let id = self.incident_id()?;
        self.load(&id)
    }

    /// A new event by the person running inc, now, with its own id.
    pub fn event(&self, kind: EventKind) -> Event {
        let id = match &self.actor {
            Some(a) => {
                let n = self.events_made.get() + 1;
                self.events_made.set(n);
                format!("{}-{n}", a.key)
            }
            None => crate::model::new_event_id(),
        };
        Event {
            id: Some(id),
            at: self.now(),
            by: Some(self.me()),
            kind,
        }
    }

    /// Appends a new event to an incident's journal (nothing under `--dry-run`) and returns it,
    /// for the flows that publish it.
    pub fn record(&self, id: &str, kind: EventKind) -> CliResult<Event> {
        let event = self.event(kind);
        if !self.dry_run() {
            self.journal()?.append(id, &event)?;
        }
        Ok(event)
    }

    /// Appends an event that happened at `at` (a provider's time), not now.
    pub fn record_at(&self, id: &str, at: Timestamp, kind: EventKind) -> CliResult<()> {
        if self.dry_run() {
            return Ok(());
        }
        let event = Event {
            id: None,
            at,
            by: None,
            kind,
        };
        self.journal()?.append(id, &event)?;
        Ok(())
    }

    fn providers(&self) -> CliResult<&Providers> {
        if let Some(p) = self.providers.get() {
            return Ok(p);
        }
        let p = Providers::new(self.config()?, &self.env, self.io.verbose);
        Ok(self.providers.get_or_init(|| Rc::new(p)))
    }

    /// The PagerDuty client for reads (on-call, incident state); 78 when it is not configured.
    pub fn pagerduty(&self) -> CliResult<&crate::providers::pagerduty::Client> {
        self.providers()?.pagerduty().map_err(|e| match e {
            crate::providers::SendError::NotConfigured(_) => CliError::config(
                "PagerDuty is not configured: add a [pagerduty] table to the config",
            )
            .hint("`inc doctor` shows what is configured"),
            other => CliError::config(other.to_string()),
        })
    }

    /// The Slack client for reads (user lookup, channel info, doctor).
    pub fn slack(&self) -> CliResult<&crate::providers::slack::Client> {
        self.providers()?
            .slack()
            .map_err(|e| CliError::config(e.to_string()))
    }

    /// The Matrix client for reads (doctor, alias lookups).
    pub fn matrix(&self) -> CliResult<&crate::providers::matrix::Client> {
        self.providers()?
            .matrix()
            .map_err(|e| CliError::config(e.to_string()))
    }

    /// The Opsgenie client for reads (on-call, doctor); 78 when it is not configured.
    pub fn opsgenie(&self) -> CliResult<&crate::providers::opsgenie::Client> {
        self.providers()?
            .opsgenie()
            .map_err(|e| CliError::config(e.to_string()))
    }

    /// The Statuspage client for reads (doctor); 78 when it is not configured.
    pub fn statuspage(&self) -> CliResult<&crate::providers::statuspage::Client> {
        self.providers()?
            .statuspage()
            .map_err(|e| CliError::config(e.to_string()))
    }

    /// The social networks' clients (`[social]`), for the checks before posting and doctor.
    pub fn x(&self) -> CliResult<&crate::providers::x::Client> {
        self.providers()?
            .x()
            .map_err(|e| CliError::config(e.to_string()))
    }

    pub fn mastodon(&self) -> CliResult<&crate::providers::mastodon::Client> {
        self.providers()?
            .mastodon()
            .map_err(|e| CliError::config(e.to_string()))
    }

    pub fn bluesky(&self) -> CliResult<&crate::providers::bluesky::Client> {
        self.providers()?
            .bluesky()
            .map_err(|e| CliError::config(e.to_string()))
    }

    /// The SMTP, Confluence and GitHub clients for read-only checks (doctor).
    pub fn email(&self) -> CliResult<&crate::providers::email::Client> {
        self.providers()?
            .email()
            .map_err(|e| CliError::config(e.to_string()))
    }

    pub fn confluence(&self) -> CliResult<&crate::providers::confluence::Client> {
        self.providers()?
            .confluence()
            .map_err(|e| CliError::config(e.to_string()))
    }

    pub fn github(&self) -> CliResult<&crate::providers::github::Client> {
        self.providers()?
            .github()
            .map_err(|e| CliError::config(e.to_string()))
    }

    /// The GitHub client that reads deployments and releases (`[changes] github`).
    pub fn changes_github(&self) -> CliResult<&crate::providers::github::Client> {
        self.providers()?
            .changes_github()
            .map_err(|e| CliError::config(e.to_string()))
    }

    /// Is a `[pagerduty]` table present?
    pub fn has_pagerduty(&self) -> bool {
        self.config().is_ok_and(|c| c.values.pagerduty.is_some())
    }

    /// Why `provider` cannot be sent to for want of its secret, naming the variable or
    /// `token_cmd` (see [`Providers::missing_secret`]).
    pub fn missing_secret(&self, provider: &str) -> Option<String> {
        self.providers().ok()?.missing_secret(provider)
    }

    /// The secrets gate, before a command syncs, records or sends anything: of the providers
    /// `reach` names (those the command would write to), the ones whose secret is missing. When
    /// that is every one of them the command needs only them: exit 78, one line naming each
    /// variable (or `token_cmd`) and `inc doctor`; nothing is sent, written or queued. When
    /// another provider can do the job, the rest of the run leaves the missing ones out (no
    /// request, no retry: each delivery to them fails as "not sent", kept in the outbox for
    /// `inc outbox retry` once the secret is set, so the command exits 3 and says which and
    /// why). Under `--dry-run` it only warns.
    pub fn gate(&self, reach: &[String]) -> CliResult<()> {
        self.gate_with(reach, false)
    }

    /// [`Ctx::gate`] for providers beside the command's own job (a post-mortem file, a public
    /// update on the status page, the local journal of a pull): a missing secret leaves that
    /// provider out, never exit 78.
    pub fn gate_beside(&self, reach: &[String]) -> CliResult<()> {
        self.gate_with(reach, true)
    }

    fn gate_with(&self, reach: &[String], beside: bool) -> CliResult<()> {
        let mut missing: Vec<(String, String)> = Vec::new();
        let mut reachable = false;
        for p in reach {
            if missing.iter().any(|(m, _)| m == p) {
                continue;
            }
            match self.missing_secret(p) {
                Some(why) => missing.push((p.clone(), why)),
                None => reachable = true,
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let said = |list: &[(String, String)]| {
            list.iter()
                .map(|(p, why)| format!("{}: {why}", crate::providers::display_name(p)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if self.dry_run() {
            if !self.global.dry_run {
                // A drill's rehearsal (`inc comms`, an email to nobody): nothing would be sent.
                return Ok(());
            }
            self.warn(format!(
                "{}: a real run would send nothing there (`inc doctor`)",
                said(&missing)
            ));
            return Ok(());
        }
        if !reachable && !beside {
            return Err(CliError::config(format!(
                "{}: nothing was sent or written; `inc doctor` checks the credentials",
                said(&missing)
            )));
        }
        self.skipped.borrow_mut().extend(missing);
        Ok(())
    }

    /// Did the gate leave a provider out of this run (the command exits 3)?
    pub fn left_out(&self) -> bool {
        !self.skipped.borrow().is_empty()
    }

    /// A delivery the gate left out: never sent (no request, no retry), but kept in the outbox
    /// so that nothing is dropped: `inc outbox retry` sends it once the secret is set.
    fn hold(&self, d: Delivery, why: &str) -> CliResult<DeliveryResult> {
        let mut r = Self::not_sent(d, why);
        let error = r.error.clone().unwrap_or_default();
        let outbox = self.outbox()?;
        // Attempts made in earlier runs still count (a retried create checks whether it landed).
        let tried = outbox
            .get(&crate::outbox::entry_id(&r.delivery.dedup_key))
            .map_or(0, |e| e.attempts);
        match outbox.put(&r.delivery, &error, tried, self.now()) {
            Ok(id) => r.outbox = Some(id),
            Err(io) => {
                r.error = Some(format!(
                    "{error}; and it could not be kept in the outbox: {io}"
                ))
            }
        }
        Ok(r)
    }

    fn not_sent(d: Delivery, why: &str) -> DeliveryResult {
        let error = format!(
            "not sent: {}: {why}; run `inc doctor`",
            crate::providers::display_name(&d.provider)
        );
        DeliveryResult {
            error: Some(error),
            ..DeliveryResult::pending(d, false)
        }
    }

    /// The endpoints known to be down, in this user's state dir.
    fn marks(&self) -> CliResult<Marks> {
        Ok(Marks::new(&self.config()?.state_dir))
    }

    /// "Slack failing since 23:37 UTC" while the endpoint (a provider, or `pagerduty-events`) is
    /// marked down: the paging flows show CALL THEM NOW at once for a pager known down.
    pub fn failing(&self, endpoint: &str) -> Option<String> {
        let marks = self.marks().ok()?;
        marks.fresh(endpoint, self.now()).map(|m| m.failing_since())
    }

    /// From now on Ctrl-C is an answer: what was sent, what was not, and what is not confirmed
    /// are reported and kept (called at the first wait on a provider).
    fn arm(&self) {
        if !self.armed.replace(true) {
            self.arm.notify_one();
        }
    }

    /// Resolves at the first Ctrl-C after this run started waiting on a provider (never when it
    /// does not, or when no handler can be installed): `lib.rs` then drops the command and
    /// calls [`Ctx::interrupted`].
    pub async fn interrupt(&self) {
        if !self.armed.get() {
            self.arm.notified().await;
        }
        if self.own_signals.get() {
            std::future::pending::<()>().await;
        }
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// What this run's deliveries came to when Ctrl-C stopped it. What had not finished is kept
    /// in the outbox (nothing the user asked for is lost: `inc outbox retry`, or the same
    /// command again, sends it, and first checks whether an attempt in flight landed) and
    /// journaled as not delivered. Nothing is written under `--dry-run`.
    pub fn interrupted(&self) -> Interrupted {
        let flights = std::mem::take(&mut *self.ledger.0.borrow_mut());
        let now = self.now();
        let outbox = self.outbox().ok();
        let mut out = Interrupted::default();
        let mut parked = Vec::new();
        for f in flights {
            if let Some(r) = f.result {
                if r.ok {
                    out.sent.push(r);
                } else {
                    out.failed.push(r);
                }
                continue;
            }
            let name = crate::providers::display_name(&f.delivery.provider).to_string();
            let (attempts, unconfirmed, why) = match f.stage {
                None => (
                    0,
                    false,
                    "interrupted (Ctrl-C) before it was sent".to_string(),
                ),
                Some(Stage::Asking { attempts }) => (
                    attempts,
                    true,
                    format!(
                        "interrupted (Ctrl-C) while waiting for {name}'s answer: it may have \
                         landed (a retry checks first)"
                    ),
                ),
                Some(Stage::Retrying {
                    attempts,
                    error,
                    answered,
                }) => (
                    attempts,
                    !answered,
                    format!("interrupted (Ctrl-C) while retrying after: {error}"),
                ),
            };
            let mut r = DeliveryResult {
                attempts,
                unconfirmed,
                error: Some(why.clone()),
                ..DeliveryResult::pending(f.delivery, self.dry_run())
            };
            if !self.dry_run()
                && let Some(outbox) = &outbox
            {
                match outbox.put(&r.delivery, &why, attempts, now) {
                    Ok(id) => r.outbox = Some(id),
                    Err(e) => {
                        r.error = Some(format!(
                            "{why}; and it could not be kept in the outbox: {e}"
                        ))
                    }
                }
            }
            parked.push(r.clone());
            if unconfirmed {
                out.unconfirmed.push(r);
            } else {
                out.not_sent.push(r);
            }
        }
        self.journal_results(&parked);
        out
    }

    /// Resumes a half-done action on `inc` (a re-run `declare` after Ctrl-C or an outage):
    /// every delivery its journal records as delivered is not sent again; its result comes
    /// from the journal.
    pub fn resume(&self, inc: &Incident) {
        self.resumed.replace(Some(inc.id.clone()));
        let mut done = self.done_before.borrow_mut();
        for e in &inc.events {
            if let EventKind::Delivery {
                ok: true,
                dedup_key: Some(k),
                id,
                url,
                ..
            } = &e.kind
            {
                done.insert(k.clone(), (id.clone(), url.clone()));
            }
        }
    }

    /// Is this run finishing the half-done declaration of `id` ([`Ctx::resume`])?
    pub fn resuming(&self, id: &str) -> bool {
        self.resumed.borrow().as_deref() == Some(id)
    }

    /// A delivery an earlier run of a resumed action delivered: its result, not sent again.
    fn delivered_before(&self, d: &Delivery) -> Option<DeliveryResult> {
        let done = self.done_before.borrow();
        let (id, url) = done.get(&d.dedup_key)?;
        Some(DeliveryResult {
            ok: true,
            id: id.clone(),
            url: url.clone(),
            note: Some("delivered by an earlier run".into()),
            ..DeliveryResult::pending(d.clone(), false)
        })
    }

    /// The place a delivery is for, when that place does not exist yet because its creation
    /// waits in the outbox (Slack was down at `declare`): the creation's entry. A post to the
    /// channel-to-be is addressed by its name, the creation's target.
    fn waits_behind(
        &self,
        pending: &[crate::outbox::Entry],
        d: &Delivery,
    ) -> Option<crate::outbox::Entry> {
        let inc = d.incident.as_deref()?;
        pending
            .iter()
            .find(|e| {
                let c = &e.delivery;
                c.incident.as_deref() == Some(inc)
                    && c.provider == d.provider
                    && c.target == d.target
                    && c.dedup_key != d.dedup_key
            })
            .cloned()
    }

    /// Sends deliveries concurrently through the engine (or prints them under `--dry-run`),
    /// journals each outcome on its incident, and returns the results in order. A delivery to
    /// a room whose creation waits in the outbox is not sent: it waits there behind it, in the
    /// order it came, for `inc outbox retry` to deliver into the room once it exists.
    /// Deliveries to a provider the secrets gate left out come back as not sent, kept in the
    /// outbox ([`Ctx::gate`]).
    pub async fn deliver(&self, deliveries: Vec<Delivery>) -> CliResult<Vec<DeliveryResult>> {
        self.deliver_journaling(deliveries, |_| true).await
    }

    /// [`Ctx::deliver`], journaling only the results `journal` keeps: a page that found the
    /// same page already open is recorded by the flow that knows whether it belongs to the
    /// incident (once, not at every re-run).
    pub async fn deliver_journaling(
        &self,
        deliveries: Vec<Delivery>,
        keep: impl Fn(&DeliveryResult) -> bool,
    ) -> CliResult<Vec<DeliveryResult>> {
        if deliveries.is_empty() {
            return Ok(Vec::new());
        }
        let skipped = self.skipped.borrow().clone();
        if skipped
            .iter()
            .any(|(p, _)| deliveries.iter().any(|d| d.provider == *p))
        {
            let why: Vec<Option<String>> = deliveries
                .iter()
                .map(|d| {
                    let w = skipped.iter().find(|(p, _)| *p == d.provider);
                    w.map(|(_, w)| w.clone())
                })
                .collect();
            let (mut held, mut go) = (Vec::new(), Vec::new());
            for (d, w) in deliveries.into_iter().zip(&why) {
                match w {
                    Some(w) => held.push(self.hold(d, w)?),
                    None => go.push(d),
                }
            }
            self.journal_results(&held);
            let mut sent = self.send_through(go, keep).await?.into_iter();
            let mut held = held.into_iter();
            // Back in the order asked: flows read results by position.
            return Ok(why
                .iter()
                .filter_map(|w| match w {
                    Some(_) => held.next(),
                    None => sent.next(),
                })
                .collect());
        }
        self.send_through(deliveries, keep).await
    }

    async fn send_through(
        &self,
        deliveries: Vec<Delivery>,
        keep: impl Fn(&DeliveryResult) -> bool,
    ) -> CliResult<Vec<DeliveryResult>> {
        if deliveries.is_empty() {
            return Ok(Vec::new());
        }
        self.arm();
        if self.dry_run() {
            // Shown by the renderer, in the order they would have gone out.
            self.would_send
                .borrow_mut()
                .extend(deliveries.iter().cloned());
        }
        let outbox = self.outbox()?;
        let marks = self.marks()?;
        let now = self.now();
        let pending: Vec<_> = outbox
            .list()
            .into_iter()
            .filter(|e| matches!(e.delivery.action.as_str(), "create_channel" | "create_room"))
            .collect();
        // Each delivery: delivered by an earlier run (not journaled again), queued behind the
        // creation of its room, or sent now.
        let mut slots: Vec<(bool, Option<DeliveryResult>)> = Vec::new();
        let mut to_send = Vec::new();
        for d in deliveries {
            if let Some(r) = self.delivered_before(&d) {
                slots.push((false, Some(r)));
            } else if let Some(creation) =
                self.waits_behind(&pending, &d).filter(|_| !self.dry_run())
            {
                slots.push((true, Some(self.queue_behind(&outbox, d, &creation, now))));
            } else {
                self.ledger.start(&d);
                to_send.push(d);
                slots.push((true, None));
            }
        }
        let engine = Engine {
            dry_run: self.dry_run(),
            outbox: Some(&outbox),
            marks: (!self.dry_run()).then_some(&marks),
            observer: Some(&self.ledger),
            ..Engine::new(self.providers()?, &self.config()?.values.delivery, now)
        };
        let waiting = self.waiting(
            to_send
                .iter()
                .map(|d| Wait::new(&d.provider, &d.action, &d.target))
                .collect(),
        );
        let mut sent = engine.send_all(to_send).await.into_iter();
        drop(waiting);
        let mut results = Vec::new();
        let mut journaled = Vec::new();
        for (journal, slot) in slots {
            let r = slot
                .or_else(|| sent.next())
                .expect("one result per delivery");
            self.ledger.done(&r);
            if journal && keep(&r) {
                journaled.push(r.clone());
            }
            results.push(r);
        }
        self.journal_results(&journaled);
        Ok(results)
    }

    /// Parks a delivery behind the creation of the room it is for, unsent.
    fn queue_behind(
        &self,
        outbox: &Outbox,
        d: Delivery,
        creation: &crate::outbox::Entry,
        now: Timestamp,
    ) -> DeliveryResult {
        let c = &creation.delivery;
        let why = format!(
            "waits for {} {}, whose creation is in the outbox",
            crate::providers::display_name(&c.provider),
            c.target
        );
        let mut r = DeliveryResult {
            error: Some(why.clone()),
            waits_for: Some(c.target.clone()),
            ..DeliveryResult::pending(d, false)
        };
        match outbox.put_after(&r.delivery, &why, 0, now, Some(&c.dedup_key)) {
            Ok(id) => r.outbox = Some(id),
            Err(e) => {
                // Not kept, so not waiting either: it failed.
                r.waits_for = None;
                r.error = Some(format!(
                    "{why}; and it could not be kept in the outbox: {e}"
                ));
            }
        }
        r
    }

    /// What `deliveries` would do, sent nowhere and journaled nowhere (their results are dry
    /// runs): a drill's page to a real IC rotation that it must not reach (SPEC "Drills").
    pub async fn rehearse(&self, deliveries: Vec<Delivery>) -> CliResult<Vec<DeliveryResult>> {
        let engine = Engine {
            dry_run: true,
            ..Engine::new(
                self.providers()?,
                &self.config()?.values.delivery,
                self.now(),
            )
        };
        Ok(engine.send_all(deliveries).await)
    }

    /// Sends without parking failures (for `outbox retry`, which owns its entries), with the
    /// whole budget even to a provider known down (the user asked for another try); an answer
    /// clears the mark, a budget spent in vain keeps it.
    pub async fn redeliver(&self, d: Delivery) -> CliResult<DeliveryResult> {
        self.arm();
        let marks = self.marks()?;
        let engine = Engine {
            dry_run: self.dry_run(),
            marks: (!self.dry_run()).then_some(&marks),
            whole_budget: true,
            observer: Some(&self.ledger),
            ..Engine::new(
                self.providers()?,
                &self.config()?.values.delivery,
                self.now(),
            )
        };
        let waiting = self.waiting(vec![Wait::new(&d.provider, &d.action, &d.target)]);
        // Tried before: the adapter checks first whether an earlier try landed.
        let tried = self
            .outbox()?
            .get(&crate::outbox::entry_id(&d.dedup_key))
            .map_or(0, |e| e.attempts);
        self.ledger.start(&d);
        let r = engine.send_after(d, tried).await;
        drop(waiting);
        self.ledger.done(&r);
        self.journal_results(std::slice::from_ref(&r));
        Ok(r)
    }

    fn journal_results(&self, results: &[DeliveryResult]) {
        for r in results {
            let Some(id) = &r.delivery.incident else {
                continue;
            };
            let kind = EventKind::Delivery {
                provider: r.provider.clone(),
                action: r.action.clone(),
                target: r.target.clone(),
                ok: r.ok,
                dedup_key: Some(r.delivery.dedup_key.clone()),
                id: r.id.clone(),
                url: r.url.clone(),
            };
            if let Err(e) = self.record(id, kind) {
                self.warn(format!("could not journal the delivery: {}", e.message));
            }
        }
    }
}
