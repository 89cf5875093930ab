
use builtin;
use str;

set edit:completion:arg-completer[inc] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'inc'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'inc'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write the config file: asked on a terminal, or from flags with --non-interactive'
            cand page-ic 'Page the primary and backup Incident Commanders (and shadows) at the same time'
            cand page 'Page a user, a schedule''s on-call or an escalation policy'
            cand attach 'Join an incident another responder started: build the local view from the shared record'
            cand sync 'Pull what other responders and the providers added to the incident, and print what changed'
            cand oncall 'Who is on call now (the IC rotation with --ic, else every schedule), with contact methods'
            cand declare 'Declare a major incident: journal, severity, roles and the contact summary'
            cand role 'Assign a role: ic, deputy, scribe, cl (customer liaison), il (internal liaison), sme'
            cand handover 'Hand command to a new Incident Commander (the IC holds no other role)'
            cand sev 'Raise the severity (it only goes up during an incident), or set the final one with --final'
            cand note 'Add a note to the timeline (`-` reads it from stdin)'
            cand todo 'Add a follow-up TODO (it becomes a post-mortem action item)'
            cand status 'The incident at a glance: severity, roles, elapsed time, TODOs and what is due'
            cand changes 'What changed before the incident began: deploys, releases, change events, newest first'
            cand service 'The incident''s affected services (whose changes `inc changes` and `inc status` show)'
            cand comms 'Post a public update on the status page and the social accounts, previewed for the IC''s approval'
            cand notify-exec 'Brief executives: summary, actions, impact and ETA to the exec channel with @here'
            cand resolve 'End the call: resolve the incident, set the final severity, list open TODOs and the after-call checklist'
            cand postmortem 'The post-mortem of an incident'
            cand email 'Send the internal email about the incident, with the post-mortem link, over SMTP'
            cand list 'List the incidents in the local journal, newest first (drills only with --all)'
            cand show 'Show one incident [default: the current one]'
            cand timeline 'Show an incident''s timeline in UTC [default: the current incident]'
            cand outbox 'Messages that could not be delivered, kept until delivered or dropped'
            cand doctor 'Check the config, the state dir and every configured provider''s credentials'
            cand bot 'Answer `!ic page`, `!status`, `!status stalk`, `!note`, `!todo`, `!sev`, `!role` in the rooms'
            cand completions 'Print the shell completion script (bash, zsh, fish, powershell, elvish)'
            cand man 'Print the man page, or write one page per command into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'inc;init'= {
            cand --email '[user] your email: the author of your events and `me` in `--ic me`'
            cand --name '[user] your name'
            cand --chat '[call] chat room people join'
            cand --bridge-url '[call] bridge URL'
            cand --phone '[call] dial-in phone number'
            cand --pin '[call] dial-in PIN'
            cand --pagerduty-from '[pagerduty] the PagerDuty user email sent as `From:` on writes (enables PagerDuty)'
            cand --pagerduty-api-url '[pagerduty] API URL (EU accounts: https://api.eu.pagerduty.com)'
            cand --ic-schedule '[pagerduty] an IC schedule id, primary first (repeat)'
            cand --ic-service '[pagerduty] the service IC pages are opened on'
            cand --incident-service '[pagerduty] the service major incidents are declared on'
            cand --slack-channel '[slack] the incident channel (enables Slack)'
            cand --slack-exec-channel '[slack] the executive updates channel'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --non-interactive 'Take every value from the flags; never prompt'
            cand --force 'Replace an existing config file'
            cand --slack-per-incident-channel '[slack] open one channel per incident'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;page-ic'= {
            cand -m 'What the ICs should know [default: the current incident''s title, else "Incident Commander needed"]'
            cand --message 'What the ICs should know [default: the current incident''s title, else "Incident Commander needed"]'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --again 'Page anew even though the incident''s IC page is still open'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;page'= {
            cand -m 'What they should know'
            cand --message 'What they should know'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;attach'= {
            cand --as 'Take a role on joining (deputy, scribe, cl, il, sme)'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;sync'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;oncall'= {
            cand --who 'Only this person (email, name or user id)'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --ic 'Only the Incident Commander schedules (`ic_schedules` of [pagerduty] / [opsgenie]): primary, backup, shadows'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;declare'= {
            cand --sev 'Severity, 1..5 or SEV-1..SEV-5 [default: asked on a terminal; SEV-2 in scripts: if unsure, pick the higher]'
            cand --ic 'Incident Commander (`me` for yourself)'
            cand --deputy 'Deputy'
            cand --scribe 'Scribe'
            cand --service 'An affected service (a name of [changes.services]; repeatable): `inc changes` and `inc status` show what changed on it'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --security 'Follow the security process: codename instead of the title, no public comms'
            cand --drill 'A practice incident (or INC_DRILL=1): [DRILL] on everything sent, nobody outside it paged'
            cand --no-adopt 'Open fresh: do not adopt an open IC page another responder''s `inc page-ic` opened'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;role'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;handover'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;sev'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --final 'Set the final severity (may be lower), usually at or after resolve'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;note'= {
            cand --type 'Kind of note'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;todo'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;status'= {
            cand --interval 'Time between checks, e.g. 30s, 2m [default: [cadence] status_interval, 30s]'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --watch 'Re-check every interval and print only what changed (Ctrl-C stops)'
            cand --post 'With --watch: post each change to the incident room ("stalk" mode)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;changes'= {
            cand --since 'How long before the incident began to look, e.g. 4h, 24h [default: [changes] window, 4h]'
            cand --service 'Only this service (a name of [changes.services])'
            cand --cite 'Record change N (as last listed) as a suspected cause: the timeline, the incident room and the post-mortem''s contributing factors'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;service'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Name an affected service (a name of [changes.services]); told in the incident room'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'inc;service;add'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;service;help'= {
            cand add 'Name an affected service (a name of [changes.services]); told in the incident room'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'inc;service;help;add'= {
        }
        &'inc;service;help;help'= {
        }
        &'inc;comms'= {
            cand --component 'A component''s status, NAME=STATUS (NAME from [statuspage] components; STATUS operational, degraded_performance, partial_outage, major_outage, under_maintenance); repeatable'
            cand --impact 'The impact shown on the page [default: Statuspage computes it from the components]'
            cand --title 'The public incident''s name [default: the incident''s title]'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --long 'Use the long-incident template (an incident running over 2 hours)'
            cand --close 'retract: close the post with the retract template instead of removing it'
            cand --force 'Post for a security incident (only once the facts are verified)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;notify-exec'= {
            cand --summary 'Current state: severity and suspected cause'
            cand --actions 'Actions in progress'
            cand --impact 'Customer impact'
            cand --eta 'Expected time to recovery'
            cand --file 'Read the fields from a file (`-` for stdin)'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --force 'Post even when the incident is a security incident and the exec channel is not private'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;resolve'= {
            cand --final-sev 'Final severity [default: asked on a terminal, else the current one]'
            cand --public-message 'The message that resolves the open public status-page incident [default: asked on a terminal; with --yes, the `resolved` template]'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;postmortem'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand new 'Write the post-mortem from the journal: owner, meeting deadline, impact, timeline, action items'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'inc;postmortem;new'= {
            cand --owner 'The one person who owns it [default: the recorded owner; asked on a terminal]'
            cand --template 'A minijinja template to use instead of the built-in one [default: [postmortem] template]'
            cand --publish 'Where it goes [default: [postmortem] publish, else file]'
            cand --out 'The file to write, `-` for stdout [default: [postmortem] dir/ID.md]'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --force 'Overwrite a file that was edited since inc wrote it; publish a security incident''s anyway'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;postmortem;help'= {
            cand new 'Write the post-mortem from the journal: owner, meeting deadline, impact, timeline, action items'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'inc;postmortem;help;new'= {
        }
        &'inc;postmortem;help;help'= {
        }
        &'inc;email'= {
            cand --to 'Recipients, repeated or comma-separated [default: [email] to]'
            cand --after 'Which email: right after the call, or with the results after the post-mortem meeting'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --force 'Send a security incident''s email outside the sender''s domain anyway'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;list'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --open 'Only incidents that are not resolved'
            cand --all 'Also the drills (practice incidents, `inc declare --drill`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;show'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;timeline'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --all 'Also every provider''s delivery records, linked places and watch posts'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;outbox'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List what is waiting'
            cand retry 'Try to deliver again (all, or the given ids); delivered entries leave the outbox'
            cand drop 'Give up on entries for good'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'inc;outbox;list'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;outbox;retry'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;outbox;drop'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --all 'Drop every entry (asks on a terminal unless --yes)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;outbox;help'= {
            cand list 'List what is waiting'
            cand retry 'Try to deliver again (all, or the given ids); delivered entries leave the outbox'
            cand drop 'Give up on entries for good'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'inc;outbox;help;list'= {
        }
        &'inc;outbox;help;retry'= {
        }
        &'inc;outbox;help;drop'= {
        }
        &'inc;outbox;help;help'= {
        }
        &'inc;doctor'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --send-test 'Also post one short test message through each chat webhook (otherwise nothing is sent to them)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;bot'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand manifest 'Print the Slack app manifest for inc bot (Socket Mode on, the bot scopes and events, with why)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'inc;bot;manifest'= {
            cand --name 'The app''s name in Slack'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;bot;help'= {
            cand manifest 'Print the Slack app manifest for inc bot (Socket Mode on, the bot scopes and events, with why)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'inc;bot;help;manifest'= {
        }
        &'inc;bot;help;help'= {
        }
        &'inc;completions'= {
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;man'= {
            cand --dir 'Write every page (inc.1, inc-declare.1, ...) into this directory'
            cand --config 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]'
            cand --incident 'Incident to act on [default: the current incident]'
            cand --color 'When to use colour (NO_COLOR is honoured in `auto`)'
            cand --json 'Print exactly one JSON document on stdout'
            cand --dry-run 'Print every message that would be sent; send nothing, write nothing'
            cand -y 'Skip confirmations'
            cand --yes 'Skip confirmations'
            cand --no-input 'Never prompt (a missing value is an error naming its flag)'
            cand -q 'Print only ids and errors'
            cand --quiet 'Print only ids and errors'
            cand -v 'Log to stderr (repeat for more); secrets are never logged'
            cand --verbose 'Log to stderr (repeat for more); secrets are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'inc;help'= {
            cand init 'Write the config file: asked on a terminal, or from flags with --non-interactive'
            cand page-ic 'Page the primary and backup Incident Commanders (and shadows) at the same time'
            cand page 'Page a user, a schedule''s on-call or an escalation policy'
            cand attach 'Join an incident another responder started: build the local view from the shared record'
            cand sync 'Pull what other responders and the providers added to the incident, and print what changed'
            cand oncall 'Who is on call now (the IC rotation with --ic, else every schedule), with contact methods'
            cand declare 'Declare a major incident: journal, severity, roles and the contact summary'
            cand role 'Assign a role: ic, deputy, scribe, cl (customer liaison), il (internal liaison), sme'
            cand handover 'Hand command to a new Incident Commander (the IC holds no other role)'
            cand sev 'Raise the severity (it only goes up during an incident), or set the final one with --final'
            cand note 'Add a note to the timeline (`-` reads it from stdin)'
            cand todo 'Add a follow-up TODO (it becomes a post-mortem action item)'
            cand status 'The incident at a glance: severity, roles, elapsed time, TODOs and what is due'
            cand changes 'What changed before the incident began: deploys, releases, change events, newest first'
            cand service 'The incident''s affected services (whose changes `inc changes` and `inc status` show)'
            cand comms 'Post a public update on the status page and the social accounts, previewed for the IC''s approval'
            cand notify-exec 'Brief executives: summary, actions, impact and ETA to the exec channel with @here'
            cand resolve 'End the call: resolve the incident, set the final severity, list open TODOs and the after-call checklist'
            cand postmortem 'The post-mortem of an incident'
            cand email 'Send the internal email about the incident, with the post-mortem link, over SMTP'
            cand list 'List the incidents in the local journal, newest first (drills only with --all)'
            cand show 'Show one incident [default: the current one]'
            cand timeline 'Show an incident''s timeline in UTC [default: the current incident]'
            cand outbox 'Messages that could not be delivered, kept until delivered or dropped'
            cand doctor 'Check the config, the state dir and every configured provider''s credentials'
            cand bot 'Answer `!ic page`, `!status`, `!status stalk`, `!note`, `!todo`, `!sev`, `!role` in the rooms'
            cand completions 'Print the shell completion script (bash, zsh, fish, powershell, elvish)'
            cand man 'Print the man page, or write one page per command into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'inc;help;init'= {
        }
        &'inc;help;page-ic'= {
        }
        &'inc;help;page'= {
        }
        &'inc;help;attach'= {
        }
        &'inc;help;sync'= {
        }
        &'inc;help;oncall'= {
        }
        &'inc;help;declare'= {
        }
        &'inc;help;role'= {
        }
        &'inc;help;handover'= {
        }
        &'inc;help;sev'= {
        }
        &'inc;help;note'= {
        }
        &'inc;help;todo'= {
        }
        &'inc;help;status'= {
        }
        &'inc;help;changes'= {
        }
        &'inc;help;service'= {
            cand add 'Name an affected service (a name of [changes.services]); told in the incident room'
        }
        &'inc;help;service;add'= {
        }
        &'inc;help;comms'= {
        }
        &'inc;help;notify-exec'= {
        }
        &'inc;help;resolve'= {
        }
        &'inc;help;postmortem'= {
            cand new 'Write the post-mortem from the journal: owner, meeting deadline, impact, timeline, action items'
        }
        &'inc;help;postmortem;new'= {
        }
        &'inc;help;email'= {
        }
        &'inc;help;list'= {
        }
        &'inc;help;show'= {
        }
        &'inc;help;timeline'= {
        }
        &'inc;help;outbox'= {
            cand list 'List what is waiting'
            cand retry 'Try to deliver again (all, or the given ids); delivered entries leave the outbox'
            cand drop 'Give up on entries for good'
        }
        &'inc;help;outbox;list'= {
        }
        &'inc;help;outbox;retry'= {
        }
        &'inc;help;outbox;drop'= {
        }
        &'inc;help;doctor'= {
        }
        &'inc;help;bot'= {
            cand manifest 'Print the Slack app manifest for inc bot (Socket Mode on, the bot scopes and events, with why)'
        }
        &'inc;help;bot;manifest'= {
        }
        &'inc;help;completions'= {
        }
        &'inc;help;man'= {
        }
        &'inc;help;help'= {
        }
    ]
    $completions[$command]
}
