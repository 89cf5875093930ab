
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'inc' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'inc'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'inc' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write the config file: asked on a terminal, or from flags with --non-interactive')
            [CompletionResult]::new('page-ic', 'page-ic', [CompletionResultType]::ParameterValue, 'Page the primary and backup Incident Commanders (and shadows) at the same time')
            [CompletionResult]::new('page', 'page', [CompletionResultType]::ParameterValue, 'Page a user, a schedule''s on-call or an escalation policy')
            [CompletionResult]::new('attach', 'attach', [CompletionResultType]::ParameterValue, 'Join an incident another responder started: build the local view from the shared record')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Pull what other responders and the providers added to the incident, and print what changed')
            [CompletionResult]::new('oncall', 'oncall', [CompletionResultType]::ParameterValue, 'Who is on call now (the IC rotation with --ic, else every schedule), with contact methods')
            [CompletionResult]::new('declare', 'declare', [CompletionResultType]::ParameterValue, 'Declare a major incident: journal, severity, roles and the contact summary')
            [CompletionResult]::new('role', 'role', [CompletionResultType]::ParameterValue, 'Assign a role: ic, deputy, scribe, cl (customer liaison), il (internal liaison), sme')
            [CompletionResult]::new('handover', 'handover', [CompletionResultType]::ParameterValue, 'Hand command to a new Incident Commander (the IC holds no other role)')
            [CompletionResult]::new('sev', 'sev', [CompletionResultType]::ParameterValue, 'Raise the severity (it only goes up during an incident), or set the final one with --final')
            [CompletionResult]::new('note', 'note', [CompletionResultType]::ParameterValue, 'Add a note to the timeline (`-` reads it from stdin)')
            [CompletionResult]::new('todo', 'todo', [CompletionResultType]::ParameterValue, 'Add a follow-up TODO (it becomes a post-mortem action item)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The incident at a glance: severity, roles, elapsed time, TODOs and what is due')
            [CompletionResult]::new('changes', 'changes', [CompletionResultType]::ParameterValue, 'What changed before the incident began: deploys, releases, change events, newest first')
            [CompletionResult]::new('service', 'service', [CompletionResultType]::ParameterValue, 'The incident''s affected services (whose changes `inc changes` and `inc status` show)')
            [CompletionResult]::new('comms', 'comms', [CompletionResultType]::ParameterValue, 'Post a public update on the status page and the social accounts, previewed for the IC''s approval')
            [CompletionResult]::new('notify-exec', 'notify-exec', [CompletionResultType]::ParameterValue, 'Brief executives: summary, actions, impact and ETA to the exec channel with @here')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'End the call: resolve the incident, set the final severity, list open TODOs and the after-call checklist')
            [CompletionResult]::new('postmortem', 'postmortem', [CompletionResultType]::ParameterValue, 'The post-mortem of an incident')
            [CompletionResult]::new('email', 'email', [CompletionResultType]::ParameterValue, 'Send the internal email about the incident, with the post-mortem link, over SMTP')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the incidents in the local journal, newest first (drills only with --all)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one incident [default: the current one]')
            [CompletionResult]::new('timeline', 'timeline', [CompletionResultType]::ParameterValue, 'Show an incident''s timeline in UTC [default: the current incident]')
            [CompletionResult]::new('outbox', 'outbox', [CompletionResultType]::ParameterValue, 'Messages that could not be delivered, kept until delivered or dropped')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the config, the state dir and every configured provider''s credentials')
            [CompletionResult]::new('bot', 'bot', [CompletionResultType]::ParameterValue, 'Answer `!ic page`, `!status`, `!status stalk`, `!note`, `!todo`, `!sev`, `!role` in the rooms')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page, or write one page per command into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'inc;init' {
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, '[user] your email: the author of your events and `me` in `--ic me`')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, '[user] your name')
            [CompletionResult]::new('--chat', '--chat', [CompletionResultType]::ParameterName, '[call] chat room people join')
            [CompletionResult]::new('--bridge-url', '--bridge-url', [CompletionResultType]::ParameterName, '[call] bridge URL')
            [CompletionResult]::new('--phone', '--phone', [CompletionResultType]::ParameterName, '[call] dial-in phone number')
            [CompletionResult]::new('--pin', '--pin', [CompletionResultType]::ParameterName, '[call] dial-in PIN')
            [CompletionResult]::new('--pagerduty-from', '--pagerduty-from', [CompletionResultType]::ParameterName, '[pagerduty] the PagerDuty user email sent as `From:` on writes (enables PagerDuty)')
            [CompletionResult]::new('--pagerduty-api-url', '--pagerduty-api-url', [CompletionResultType]::ParameterName, '[pagerduty] API URL (EU accounts: https://api.eu.pagerduty.com)')
            [CompletionResult]::new('--ic-schedule', '--ic-schedule', [CompletionResultType]::ParameterName, '[pagerduty] an IC schedule id, primary first (repeat)')
            [CompletionResult]::new('--ic-service', '--ic-service', [CompletionResultType]::ParameterName, '[pagerduty] the service IC pages are opened on')
            [CompletionResult]::new('--incident-service', '--incident-service', [CompletionResultType]::ParameterName, '[pagerduty] the service major incidents are declared on')
            [CompletionResult]::new('--slack-channel', '--slack-channel', [CompletionResultType]::ParameterName, '[slack] the incident channel (enables Slack)')
            [CompletionResult]::new('--slack-exec-channel', '--slack-exec-channel', [CompletionResultType]::ParameterName, '[slack] the executive updates channel')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Take every value from the flags; never prompt')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing config file')
            [CompletionResult]::new('--slack-per-incident-channel', '--slack-per-incident-channel', [CompletionResultType]::ParameterName, '[slack] open one channel per incident')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;page-ic' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'What the ICs should know [default: the current incident''s title, else "Incident Commander needed"]')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'What the ICs should know [default: the current incident''s title, else "Incident Commander needed"]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--again', '--again', [CompletionResultType]::ParameterName, 'Page anew even though the incident''s IC page is still open')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;page' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'What they should know')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'What they should know')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;attach' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Take a role on joining (deputy, scribe, cl, il, sme)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;sync' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;oncall' {
            [CompletionResult]::new('--who', '--who', [CompletionResultType]::ParameterName, 'Only this person (email, name or user id)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--ic', '--ic', [CompletionResultType]::ParameterName, 'Only the Incident Commander schedules (`ic_schedules` of [pagerduty] / [opsgenie]): primary, backup, shadows')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;declare' {
            [CompletionResult]::new('--sev', '--sev', [CompletionResultType]::ParameterName, 'Severity, 1..5 or SEV-1..SEV-5 [default: asked on a terminal; SEV-2 in scripts: if unsure, pick the higher]')
            [CompletionResult]::new('--ic', '--ic', [CompletionResultType]::ParameterName, 'Incident Commander (`me` for yourself)')
            [CompletionResult]::new('--deputy', '--deputy', [CompletionResultType]::ParameterName, 'Deputy')
            [CompletionResult]::new('--scribe', '--scribe', [CompletionResultType]::ParameterName, 'Scribe')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'An affected service (a name of [changes.services]; repeatable): `inc changes` and `inc status` show what changed on it')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--security', '--security', [CompletionResultType]::ParameterName, 'Follow the security process: codename instead of the title, no public comms')
            [CompletionResult]::new('--drill', '--drill', [CompletionResultType]::ParameterName, 'A practice incident (or INC_DRILL=1): [DRILL] on everything sent, nobody outside it paged')
            [CompletionResult]::new('--no-adopt', '--no-adopt', [CompletionResultType]::ParameterName, 'Open fresh: do not adopt an open IC page another responder''s `inc page-ic` opened')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;role' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;handover' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;sev' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--final', '--final', [CompletionResultType]::ParameterName, 'Set the final severity (may be lower), usually at or after resolve')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;note' {
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Kind of note')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;todo' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;status' {
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between checks, e.g. 30s, 2m [default: [cadence] status_interval, 30s]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Re-check every interval and print only what changed (Ctrl-C stops)')
            [CompletionResult]::new('--post', '--post', [CompletionResultType]::ParameterName, 'With --watch: post each change to the incident room ("stalk" mode)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;changes' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'How long before the incident began to look, e.g. 4h, 24h [default: [changes] window, 4h]')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Only this service (a name of [changes.services])')
            [CompletionResult]::new('--cite', '--cite', [CompletionResultType]::ParameterName, 'Record change N (as last listed) as a suspected cause: the timeline, the incident room and the post-mortem''s contributing factors')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;service' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Name an affected service (a name of [changes.services]); told in the incident room')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'inc;service;add' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;service;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Name an affected service (a name of [changes.services]); told in the incident room')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'inc;service;help;add' {
            break
        }
        'inc;service;help;help' {
            break
        }
        'inc;comms' {
            [CompletionResult]::new('--component', '--component', [CompletionResultType]::ParameterName, 'A component''s status, NAME=STATUS (NAME from [statuspage] components; STATUS operational, degraded_performance, partial_outage, major_outage, under_maintenance); repeatable')
            [CompletionResult]::new('--impact', '--impact', [CompletionResultType]::ParameterName, 'The impact shown on the page [default: Statuspage computes it from the components]')
            [CompletionResult]::new('--title', '--title', [CompletionResultType]::ParameterName, 'The public incident''s name [default: the incident''s title]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--long', '--long', [CompletionResultType]::ParameterName, 'Use the long-incident template (an incident running over 2 hours)')
            [CompletionResult]::new('--close', '--close', [CompletionResultType]::ParameterName, 'retract: close the post with the retract template instead of removing it')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Post for a security incident (only once the facts are verified)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;notify-exec' {
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Current state: severity and suspected cause')
            [CompletionResult]::new('--actions', '--actions', [CompletionResultType]::ParameterName, 'Actions in progress')
            [CompletionResult]::new('--impact', '--impact', [CompletionResultType]::ParameterName, 'Customer impact')
            [CompletionResult]::new('--eta', '--eta', [CompletionResultType]::ParameterName, 'Expected time to recovery')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the fields from a file (`-` for stdin)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Post even when the incident is a security incident and the exec channel is not private')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;resolve' {
            [CompletionResult]::new('--final-sev', '--final-sev', [CompletionResultType]::ParameterName, 'Final severity [default: asked on a terminal, else the current one]')
            [CompletionResult]::new('--public-message', '--public-message', [CompletionResultType]::ParameterName, 'The message that resolves the open public status-page incident [default: asked on a terminal; with --yes, the `resolved` template]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;postmortem' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write the post-mortem from the journal: owner, meeting deadline, impact, timeline, action items')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'inc;postmortem;new' {
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'The one person who owns it [default: the recorded owner; asked on a terminal]')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'A minijinja template to use instead of the built-in one [default: [postmortem] template]')
            [CompletionResult]::new('--publish', '--publish', [CompletionResultType]::ParameterName, 'Where it goes [default: [postmortem] publish, else file]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The file to write, `-` for stdout [default: [postmortem] dir/ID.md]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite a file that was edited since inc wrote it; publish a security incident''s anyway')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;postmortem;help' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write the post-mortem from the journal: owner, meeting deadline, impact, timeline, action items')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'inc;postmortem;help;new' {
            break
        }
        'inc;postmortem;help;help' {
            break
        }
        'inc;email' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Recipients, repeated or comma-separated [default: [email] to]')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Which email: right after the call, or with the results after the post-mortem meeting')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Send a security incident''s email outside the sender''s domain anyway')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;list' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Only incidents that are not resolved')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also the drills (practice incidents, `inc declare --drill`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;timeline' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also every provider''s delivery records, linked places and watch posts')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;outbox' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List what is waiting')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Try to deliver again (all, or the given ids); delivered entries leave the outbox')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Give up on entries for good')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'inc;outbox;list' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;outbox;retry' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;outbox;drop' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Drop every entry (asks on a terminal unless --yes)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;outbox;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List what is waiting')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Try to deliver again (all, or the given ids); delivered entries leave the outbox')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Give up on entries for good')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'inc;outbox;help;list' {
            break
        }
        'inc;outbox;help;retry' {
            break
        }
        'inc;outbox;help;drop' {
            break
        }
        'inc;outbox;help;help' {
            break
        }
        'inc;doctor' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--send-test', '--send-test', [CompletionResultType]::ParameterName, 'Also post one short test message through each chat webhook (otherwise nothing is sent to them)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;bot' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Print the Slack app manifest for inc bot (Socket Mode on, the bot scopes and events, with why)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'inc;bot;manifest' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The app''s name in Slack')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;bot;help' {
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Print the Slack app manifest for inc bot (Socket Mode on, the bot scopes and events, with why)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'inc;bot;help;manifest' {
            break
        }
        'inc;bot;help;help' {
            break
        }
        'inc;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write every page (inc.1, inc-declare.1, ...) into this directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]')
            [CompletionResult]::new('--incident', '--incident', [CompletionResultType]::ParameterName, 'Incident to act on [default: the current incident]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in `auto`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every message that would be sent; send nothing, write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Skip confirmations')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (a missing value is an error naming its flag)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to stderr (repeat for more); secrets are never logged')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'inc;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write the config file: asked on a terminal, or from flags with --non-interactive')
            [CompletionResult]::new('page-ic', 'page-ic', [CompletionResultType]::ParameterValue, 'Page the primary and backup Incident Commanders (and shadows) at the same time')
            [CompletionResult]::new('page', 'page', [CompletionResultType]::ParameterValue, 'Page a user, a schedule''s on-call or an escalation policy')
            [CompletionResult]::new('attach', 'attach', [CompletionResultType]::ParameterValue, 'Join an incident another responder started: build the local view from the shared record')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Pull what other responders and the providers added to the incident, and print what changed')
            [CompletionResult]::new('oncall', 'oncall', [CompletionResultType]::ParameterValue, 'Who is on call now (the IC rotation with --ic, else every schedule), with contact methods')
            [CompletionResult]::new('declare', 'declare', [CompletionResultType]::ParameterValue, 'Declare a major incident: journal, severity, roles and the contact summary')
            [CompletionResult]::new('role', 'role', [CompletionResultType]::ParameterValue, 'Assign a role: ic, deputy, scribe, cl (customer liaison), il (internal liaison), sme')
            [CompletionResult]::new('handover', 'handover', [CompletionResultType]::ParameterValue, 'Hand command to a new Incident Commander (the IC holds no other role)')
            [CompletionResult]::new('sev', 'sev', [CompletionResultType]::ParameterValue, 'Raise the severity (it only goes up during an incident), or set the final one with --final')
            [CompletionResult]::new('note', 'note', [CompletionResultType]::ParameterValue, 'Add a note to the timeline (`-` reads it from stdin)')
            [CompletionResult]::new('todo', 'todo', [CompletionResultType]::ParameterValue, 'Add a follow-up TODO (it becomes a post-mortem action item)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The incident at a glance: severity, roles, elapsed time, TODOs and what is due')
            [CompletionResult]::new('changes', 'changes', [CompletionResultType]::ParameterValue, 'What changed before the incident began: deploys, releases, change events, newest first')
            [CompletionResult]::new('service', 'service', [CompletionResultType]::ParameterValue, 'The incident''s affected services (whose changes `inc changes` and `inc status` show)')
            [CompletionResult]::new('comms', 'comms', [CompletionResultType]::ParameterValue, 'Post a public update on the status page and the social accounts, previewed for the IC''s approval')
            [CompletionResult]::new('notify-exec', 'notify-exec', [CompletionResultType]::ParameterValue, 'Brief executives: summary, actions, impact and ETA to the exec channel with @here')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'End the call: resolve the incident, set the final severity, list open TODOs and the after-call checklist')
            [CompletionResult]::new('postmortem', 'postmortem', [CompletionResultType]::ParameterValue, 'The post-mortem of an incident')
            [CompletionResult]::new('email', 'email', [CompletionResultType]::ParameterValue, 'Send the internal email about the incident, with the post-mortem link, over SMTP')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the incidents in the local journal, newest first (drills only with --all)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one incident [default: the current one]')
            [CompletionResult]::new('timeline', 'timeline', [CompletionResultType]::ParameterValue, 'Show an incident''s timeline in UTC [default: the current incident]')
            [CompletionResult]::new('outbox', 'outbox', [CompletionResultType]::ParameterValue, 'Messages that could not be delivered, kept until delivered or dropped')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the config, the state dir and every configured provider''s credentials')
            [CompletionResult]::new('bot', 'bot', [CompletionResultType]::ParameterValue, 'Answer `!ic page`, `!status`, `!status stalk`, `!note`, `!todo`, `!sev`, `!role` in the rooms')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page, or write one page per command into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'inc;help;init' {
            break
        }
        'inc;help;page-ic' {
            break
        }
        'inc;help;page' {
            break
        }
        'inc;help;attach' {
            break
        }
        'inc;help;sync' {
            break
        }
        'inc;help;oncall' {
            break
        }
        'inc;help;declare' {
            break
        }
        'inc;help;role' {
            break
        }
        'inc;help;handover' {
            break
        }
        'inc;help;sev' {
            break
        }
        'inc;help;note' {
            break
        }
        'inc;help;todo' {
            break
        }
        'inc;help;status' {
            break
        }
        'inc;help;changes' {
            break
        }
        'inc;help;service' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Name an affected service (a name of [changes.services]); told in the incident room')
            break
        }
        'inc;help;service;add' {
            break
        }
        'inc;help;comms' {
            break
        }
        'inc;help;notify-exec' {
            break
        }
        'inc;help;resolve' {
            break
        }
        'inc;help;postmortem' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write the post-mortem from the journal: owner, meeting deadline, impact, timeline, action items')
            break
        }
        'inc;help;postmortem;new' {
            break
        }
        'inc;help;email' {
            break
        }
        'inc;help;list' {
            break
        }
        'inc;help;show' {
            break
        }
        'inc;help;timeline' {
            break
        }
        'inc;help;outbox' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List what is waiting')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Try to deliver again (all, or the given ids); delivered entries leave the outbox')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Give up on entries for good')
            break
        }
        'inc;help;outbox;list' {
            break
        }
        'inc;help;outbox;retry' {
            break
        }
        'inc;help;outbox;drop' {
            break
        }
        'inc;help;doctor' {
            break
        }
        'inc;help;bot' {
            [CompletionResult]::new('manifest', 'manifest', [CompletionResultType]::ParameterValue, 'Print the Slack app manifest for inc bot (Socket Mode on, the bot scopes and events, with why)')
            break
        }
        'inc;help;bot;manifest' {
            break
        }
        'inc;help;completions' {
            break
        }
        'inc;help;man' {
            break
        }
        'inc;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
