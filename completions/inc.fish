# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_inc_global_optspecs
    string join \n config= incident= json dry-run y/yes no-input q/quiet v/verbose color= h/help V/version
end

function __fish_inc_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_inc_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_inc_using_subcommand
    set -l cmd (__fish_inc_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c inc -n "__fish_inc_needs_command" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_needs_command" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_needs_command" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_needs_command" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_needs_command" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_needs_command" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_needs_command" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_needs_command" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_needs_command" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c inc -n "__fish_inc_needs_command" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_needs_command" -f -a "init" -d 'Write the config file: asked on a terminal, or from flags with --non-interactive'
complete -c inc -n "__fish_inc_needs_command" -f -a "page-ic" -d 'Page the primary and backup Incident Commanders (and shadows) at the same time'
complete -c inc -n "__fish_inc_needs_command" -f -a "page" -d 'Page a user, a schedule\'s on-call or an escalation policy'
complete -c inc -n "__fish_inc_needs_command" -f -a "attach" -d 'Join an incident another responder started: build the local view from the shared record'
complete -c inc -n "__fish_inc_needs_command" -f -a "sync" -d 'Pull what other responders and the providers added to the incident, and print what changed'
complete -c inc -n "__fish_inc_needs_command" -f -a "oncall" -d 'Who is on call now (the IC rotation with --ic, else every schedule), with contact methods'
complete -c inc -n "__fish_inc_needs_command" -f -a "declare" -d 'Declare a major incident: journal, severity, roles and the contact summary'
complete -c inc -n "__fish_inc_needs_command" -f -a "role" -d 'Assign a role: ic, deputy, scribe, cl (customer liaison), il (internal liaison), sme'
complete -c inc -n "__fish_inc_needs_command" -f -a "handover" -d 'Hand command to a new Incident Commander (the IC holds no other role)'
complete -c inc -n "__fish_inc_needs_command" -f -a "sev" -d 'Raise the severity (it only goes up during an incident), or set the final one with --final'
complete -c inc -n "__fish_inc_needs_command" -f -a "note" -d 'Add a note to the timeline (`-` reads it from stdin)'
complete -c inc -n "__fish_inc_needs_command" -f -a "todo" -d 'Add a follow-up TODO (it becomes a post-mortem action item)'
complete -c inc -n "__fish_inc_needs_command" -f -a "status" -d 'The incident at a glance: severity, roles, elapsed time, TODOs and what is due'
complete -c inc -n "__fish_inc_needs_command" -f -a "changes" -d 'What changed before the incident began: deploys, releases, change events, newest first'
complete -c inc -n "__fish_inc_needs_command" -f -a "service" -d 'The incident\'s affected services (whose changes `inc changes` and `inc status` show)'
complete -c inc -n "__fish_inc_needs_command" -f -a "comms" -d 'Post a public update on the status page and the social accounts, previewed for the IC\'s approval'
complete -c inc -n "__fish_inc_needs_command" -f -a "notify-exec" -d 'Brief executives: summary, actions, impact and ETA to the exec channel with @here'
complete -c inc -n "__fish_inc_needs_command" -f -a "resolve" -d 'End the call: resolve the incident, set the final severity, list open TODOs and the after-call checklist'
complete -c inc -n "__fish_inc_needs_command" -f -a "postmortem" -d 'The post-mortem of an incident'
complete -c inc -n "__fish_inc_needs_command" -f -a "email" -d 'Send the internal email about the incident, with the post-mortem link, over SMTP'
complete -c inc -n "__fish_inc_needs_command" -f -a "list" -d 'List the incidents in the local journal, newest first (drills only with --all)'
complete -c inc -n "__fish_inc_needs_command" -f -a "show" -d 'Show one incident [default: the current one]'
complete -c inc -n "__fish_inc_needs_command" -f -a "timeline" -d 'Show an incident\'s timeline in UTC [default: the current incident]'
complete -c inc -n "__fish_inc_needs_command" -f -a "outbox" -d 'Messages that could not be delivered, kept until delivered or dropped'
complete -c inc -n "__fish_inc_needs_command" -f -a "doctor" -d 'Check the config, the state dir and every configured provider\'s credentials'
complete -c inc -n "__fish_inc_needs_command" -f -a "bot" -d 'Answer `!ic page`, `!status`, `!status stalk`, `!note`, `!todo`, `!sev`, `!role` in the rooms'
complete -c inc -n "__fish_inc_needs_command" -f -a "completions" -d 'Print the shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c inc -n "__fish_inc_needs_command" -f -a "man" -d 'Print the man page, or write one page per command into a directory'
complete -c inc -n "__fish_inc_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c inc -n "__fish_inc_using_subcommand init" -l email -d '[user] your email: the author of your events and `me` in `--ic me`' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l name -d '[user] your name' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l chat -d '[call] chat room people join' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l bridge-url -d '[call] bridge URL' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l phone -d '[call] dial-in phone number' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l pin -d '[call] dial-in PIN' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l pagerduty-from -d '[pagerduty] the PagerDuty user email sent as `From:` on writes (enables PagerDuty)' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l pagerduty-api-url -d '[pagerduty] API URL (EU accounts: https://api.eu.pagerduty.com)' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l ic-schedule -d '[pagerduty] an IC schedule id, primary first (repeat)' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l ic-service -d '[pagerduty] the service IC pages are opened on' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l incident-service -d '[pagerduty] the service major incidents are declared on' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l slack-channel -d '[slack] the incident channel (enables Slack)' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l slack-exec-channel -d '[slack] the executive updates channel' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand init" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand init" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand init" -l non-interactive -d 'Take every value from the flags; never prompt'
complete -c inc -n "__fish_inc_using_subcommand init" -l force -d 'Replace an existing config file'
complete -c inc -n "__fish_inc_using_subcommand init" -l slack-per-incident-channel -d '[slack] open one channel per incident'
complete -c inc -n "__fish_inc_using_subcommand init" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand init" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand init" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand init" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand init" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand init" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand init" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand init" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand page-ic" -s m -l message -d 'What the ICs should know [default: the current incident\'s title, else "Incident Commander needed"]' -r
complete -c inc -n "__fish_inc_using_subcommand page-ic" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand page-ic" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand page-ic" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand page-ic" -l again -d 'Page anew even though the incident\'s IC page is still open'
complete -c inc -n "__fish_inc_using_subcommand page-ic" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand page-ic" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand page-ic" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand page-ic" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand page-ic" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand page-ic" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand page-ic" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand page-ic" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand page" -s m -l message -d 'What they should know' -r
complete -c inc -n "__fish_inc_using_subcommand page" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand page" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand page" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand page" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand page" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand page" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand page" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand page" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand page" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand page" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand page" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand attach" -l as -d 'Take a role on joining (deputy, scribe, cl, il, sme)' -r -f -a "ic\t'Incident Commander: the single decision maker'
deputy\t'Deputy: backs up the IC, keeps time, handles side tasks'
scribe\t'Scribe: keeps the timeline'
cl\t'Customer Liaison: public status updates'
il\t'Internal Liaison: executive and internal updates'
sme\t'Subject Matter Expert (several may be assigned)'"
complete -c inc -n "__fish_inc_using_subcommand attach" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand attach" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand attach" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand attach" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand attach" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand attach" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand attach" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand attach" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand attach" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c inc -n "__fish_inc_using_subcommand attach" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand sync" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand sync" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand sync" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand sync" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand sync" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand sync" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand sync" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand sync" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand sync" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand sync" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand sync" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand oncall" -l who -d 'Only this person (email, name or user id)' -r
complete -c inc -n "__fish_inc_using_subcommand oncall" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand oncall" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand oncall" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand oncall" -l ic -d 'Only the Incident Commander schedules (`ic_schedules` of [pagerduty] / [opsgenie]): primary, backup, shadows'
complete -c inc -n "__fish_inc_using_subcommand oncall" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand oncall" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand oncall" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand oncall" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand oncall" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand oncall" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand oncall" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand oncall" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand declare" -l sev -d 'Severity, 1..5 or SEV-1..SEV-5 [default: asked on a terminal; SEV-2 in scripts: if unsure, pick the higher]' -r
complete -c inc -n "__fish_inc_using_subcommand declare" -l ic -d 'Incident Commander (`me` for yourself)' -r
complete -c inc -n "__fish_inc_using_subcommand declare" -l deputy -d 'Deputy' -r
complete -c inc -n "__fish_inc_using_subcommand declare" -l scribe -d 'Scribe' -r
complete -c inc -n "__fish_inc_using_subcommand declare" -l service -d 'An affected service (a name of [changes.services]; repeatable): `inc changes` and `inc status` show what changed on it' -r
complete -c inc -n "__fish_inc_using_subcommand declare" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand declare" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand declare" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand declare" -l security -d 'Follow the security process: codename instead of the title, no public comms'
complete -c inc -n "__fish_inc_using_subcommand declare" -l drill -d 'A practice incident (or INC_DRILL=1): [DRILL] on everything sent, nobody outside it paged'
complete -c inc -n "__fish_inc_using_subcommand declare" -l no-adopt -d 'Open fresh: do not adopt an open IC page another responder\'s `inc page-ic` opened'
complete -c inc -n "__fish_inc_using_subcommand declare" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand declare" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand declare" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand declare" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand declare" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand declare" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand declare" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand declare" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand role" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand role" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand role" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand role" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand role" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand role" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand role" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand role" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand role" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand role" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c inc -n "__fish_inc_using_subcommand role" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand handover" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand handover" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand handover" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand handover" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand handover" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand handover" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand handover" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand handover" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand handover" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand handover" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand handover" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand sev" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand sev" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand sev" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand sev" -l final -d 'Set the final severity (may be lower), usually at or after resolve'
complete -c inc -n "__fish_inc_using_subcommand sev" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand sev" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand sev" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand sev" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand sev" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand sev" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand sev" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand sev" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand note" -l type -d 'Kind of note' -r -f -a "action\t''
decision\t''
status\t''
callout\t''"
complete -c inc -n "__fish_inc_using_subcommand note" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand note" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand note" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand note" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand note" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand note" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand note" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand note" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand note" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand note" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand note" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand todo" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand todo" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand todo" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand todo" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand todo" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand todo" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand todo" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand todo" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand todo" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand todo" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand todo" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand status" -l interval -d 'Time between checks, e.g. 30s, 2m [default: [cadence] status_interval, 30s]' -r
complete -c inc -n "__fish_inc_using_subcommand status" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand status" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand status" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand status" -l watch -d 'Re-check every interval and print only what changed (Ctrl-C stops)'
complete -c inc -n "__fish_inc_using_subcommand status" -l post -d 'With --watch: post each change to the incident room ("stalk" mode)'
complete -c inc -n "__fish_inc_using_subcommand status" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand status" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand status" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand status" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand status" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand status" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand status" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand status" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand changes" -l since -d 'How long before the incident began to look, e.g. 4h, 24h [default: [changes] window, 4h]' -r
complete -c inc -n "__fish_inc_using_subcommand changes" -l service -d 'Only this service (a name of [changes.services])' -r
complete -c inc -n "__fish_inc_using_subcommand changes" -l cite -d 'Record change N (as last listed) as a suspected cause: the timeline, the incident room and the post-mortem\'s contributing factors' -r
complete -c inc -n "__fish_inc_using_subcommand changes" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand changes" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand changes" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand changes" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand changes" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand changes" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand changes" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand changes" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand changes" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand changes" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand changes" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -f -a "add" -d 'Name an affected service (a name of [changes.services]); told in the incident room'
complete -c inc -n "__fish_inc_using_subcommand service; and not __fish_seen_subcommand_from add help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "add" -d 'Name an affected service (a name of [changes.services]); told in the incident room'
complete -c inc -n "__fish_inc_using_subcommand service; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c inc -n "__fish_inc_using_subcommand comms" -l component -d 'A component\'s status, NAME=STATUS (NAME from [statuspage] components; STATUS operational, degraded_performance, partial_outage, major_outage, under_maintenance); repeatable' -r
complete -c inc -n "__fish_inc_using_subcommand comms" -l impact -d 'The impact shown on the page [default: Statuspage computes it from the components]' -r -f -a "none\t''
minor\t''
major\t''
critical\t''"
complete -c inc -n "__fish_inc_using_subcommand comms" -l title -d 'The public incident\'s name [default: the incident\'s title]' -r
complete -c inc -n "__fish_inc_using_subcommand comms" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand comms" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand comms" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand comms" -l long -d 'Use the long-incident template (an incident running over 2 hours)'
complete -c inc -n "__fish_inc_using_subcommand comms" -l close -d 'retract: close the post with the retract template instead of removing it'
complete -c inc -n "__fish_inc_using_subcommand comms" -l force -d 'Post for a security incident (only once the facts are verified)'
complete -c inc -n "__fish_inc_using_subcommand comms" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand comms" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand comms" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand comms" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand comms" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand comms" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand comms" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c inc -n "__fish_inc_using_subcommand comms" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l summary -d 'Current state: severity and suspected cause' -r
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l actions -d 'Actions in progress' -r
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l impact -d 'Customer impact' -r
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l eta -d 'Expected time to recovery' -r
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l file -d 'Read the fields from a file (`-` for stdin)' -r
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l force -d 'Post even when the incident is a security incident and the exec channel is not private'
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand notify-exec" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand resolve" -l final-sev -d 'Final severity [default: asked on a terminal, else the current one]' -r
complete -c inc -n "__fish_inc_using_subcommand resolve" -l public-message -d 'The message that resolves the open public status-page incident [default: asked on a terminal; with --yes, the `resolved` template]' -r
complete -c inc -n "__fish_inc_using_subcommand resolve" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand resolve" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand resolve" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand resolve" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand resolve" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand resolve" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand resolve" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand resolve" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand resolve" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand resolve" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand resolve" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -f -a "new" -d 'Write the post-mortem from the journal: owner, meeting deadline, impact, timeline, action items'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and not __fish_seen_subcommand_from new help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l owner -d 'The one person who owns it [default: the recorded owner; asked on a terminal]' -r
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l template -d 'A minijinja template to use instead of the built-in one [default: [postmortem] template]' -r -F
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l publish -d 'Where it goes [default: [postmortem] publish, else file]' -r -f -a "file\t'A Markdown file under [postmortem] dir (relative to the current directory)'
confluence\t'A page in the [confluence] space'
github\t'An issue in the [github] repo'"
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l out -d 'The file to write, `-` for stdout [default: [postmortem] dir/ID.md]' -r -F
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l force -d 'Overwrite a file that was edited since inc wrote it; publish a security incident\'s anyway'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from new" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from help" -f -a "new" -d 'Write the post-mortem from the journal: owner, meeting deadline, impact, timeline, action items'
complete -c inc -n "__fish_inc_using_subcommand postmortem; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c inc -n "__fish_inc_using_subcommand email" -l to -d 'Recipients, repeated or comma-separated [default: [email] to]' -r
complete -c inc -n "__fish_inc_using_subcommand email" -l after -d 'Which email: right after the call, or with the results after the post-mortem meeting' -r -f -a "call\t''
meeting\t''"
complete -c inc -n "__fish_inc_using_subcommand email" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand email" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand email" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand email" -l force -d 'Send a security incident\'s email outside the sender\'s domain anyway'
complete -c inc -n "__fish_inc_using_subcommand email" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand email" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand email" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand email" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand email" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand email" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand email" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand email" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand list" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand list" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand list" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand list" -l open -d 'Only incidents that are not resolved'
complete -c inc -n "__fish_inc_using_subcommand list" -l all -d 'Also the drills (practice incidents, `inc declare --drill`)'
complete -c inc -n "__fish_inc_using_subcommand list" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand list" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand list" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand list" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand list" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand list" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand list" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand list" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand show" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand show" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand show" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand show" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand show" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand show" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand show" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand show" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand show" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand show" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand show" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand timeline" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand timeline" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand timeline" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand timeline" -l all -d 'Also every provider\'s delivery records, linked places and watch posts'
complete -c inc -n "__fish_inc_using_subcommand timeline" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand timeline" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand timeline" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand timeline" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand timeline" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand timeline" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand timeline" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand timeline" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -f -a "list" -d 'List what is waiting'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -f -a "retry" -d 'Try to deliver again (all, or the given ids); delivered entries leave the outbox'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -f -a "drop" -d 'Give up on entries for good'
complete -c inc -n "__fish_inc_using_subcommand outbox; and not __fish_seen_subcommand_from list retry drop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from retry" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l all -d 'Drop every entry (asks on a terminal unless --yes)'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from drop" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from help" -f -a "list" -d 'List what is waiting'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Try to deliver again (all, or the given ids); delivered entries leave the outbox'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from help" -f -a "drop" -d 'Give up on entries for good'
complete -c inc -n "__fish_inc_using_subcommand outbox; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c inc -n "__fish_inc_using_subcommand doctor" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand doctor" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand doctor" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand doctor" -l send-test -d 'Also post one short test message through each chat webhook (otherwise nothing is sent to them)'
complete -c inc -n "__fish_inc_using_subcommand doctor" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand doctor" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand doctor" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand doctor" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand doctor" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand doctor" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -f -a "manifest" -d 'Print the Slack app manifest for inc bot (Socket Mode on, the bot scopes and events, with why)'
complete -c inc -n "__fish_inc_using_subcommand bot; and not __fish_seen_subcommand_from manifest help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -l name -d 'The app\'s name in Slack' -r
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from manifest" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from help" -f -a "manifest" -d 'Print the Slack app manifest for inc bot (Socket Mode on, the bot scopes and events, with why)'
complete -c inc -n "__fish_inc_using_subcommand bot; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c inc -n "__fish_inc_using_subcommand completions" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand completions" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand completions" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand completions" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand completions" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand completions" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand completions" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand completions" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand completions" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand completions" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand completions" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand man" -l dir -d 'Write every page (inc.1, inc-declare.1, ...) into this directory' -r -F
complete -c inc -n "__fish_inc_using_subcommand man" -l config -d 'Config file [default: $INC_CONFIG, else $XDG_CONFIG_HOME/inc/config.toml]' -r -F
complete -c inc -n "__fish_inc_using_subcommand man" -l incident -d 'Incident to act on [default: the current incident]' -r
complete -c inc -n "__fish_inc_using_subcommand man" -l color -d 'When to use colour (NO_COLOR is honoured in `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c inc -n "__fish_inc_using_subcommand man" -l json -d 'Print exactly one JSON document on stdout'
complete -c inc -n "__fish_inc_using_subcommand man" -l dry-run -d 'Print every message that would be sent; send nothing, write nothing'
complete -c inc -n "__fish_inc_using_subcommand man" -s y -l yes -d 'Skip confirmations'
complete -c inc -n "__fish_inc_using_subcommand man" -l no-input -d 'Never prompt (a missing value is an error naming its flag)'
complete -c inc -n "__fish_inc_using_subcommand man" -s q -l quiet -d 'Print only ids and errors'
complete -c inc -n "__fish_inc_using_subcommand man" -s v -l verbose -d 'Log to stderr (repeat for more); secrets are never logged'
complete -c inc -n "__fish_inc_using_subcommand man" -s h -l help -d 'Print help'
complete -c inc -n "__fish_inc_using_subcommand man" -s V -l version -d 'Print version'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "init" -d 'Write the config file: asked on a terminal, or from flags with --non-interactive'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "page-ic" -d 'Page the primary and backup Incident Commanders (and shadows) at the same time'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "page" -d 'Page a user, a schedule\'s on-call or an escalation policy'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "attach" -d 'Join an incident another responder started: build the local view from the shared record'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "sync" -d 'Pull what other responders and the providers added to the incident, and print what changed'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "oncall" -d 'Who is on call now (the IC rotation with --ic, else every schedule), with contact methods'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "declare" -d 'Declare a major incident: journal, severity, roles and the contact summary'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "role" -d 'Assign a role: ic, deputy, scribe, cl (customer liaison), il (internal liaison), sme'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "handover" -d 'Hand command to a new Incident Commander (the IC holds no other role)'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "sev" -d 'Raise the severity (it only goes up during an incident), or set the final one with --final'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "note" -d 'Add a note to the timeline (`-` reads it from stdin)'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "todo" -d 'Add a follow-up TODO (it becomes a post-mortem action item)'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "status" -d 'The incident at a glance: severity, roles, elapsed time, TODOs and what is due'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "changes" -d 'What changed before the incident began: deploys, releases, change events, newest first'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "service" -d 'The incident\'s affected services (whose changes `inc changes` and `inc status` show)'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "comms" -d 'Post a public update on the status page and the social accounts, previewed for the IC\'s approval'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "notify-exec" -d 'Brief executives: summary, actions, impact and ETA to the exec channel with @here'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "resolve" -d 'End the call: resolve the incident, set the final severity, list open TODOs and the after-call checklist'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "postmortem" -d 'The post-mortem of an incident'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "email" -d 'Send the internal email about the incident, with the post-mortem link, over SMTP'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "list" -d 'List the incidents in the local journal, newest first (drills only with --all)'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "show" -d 'Show one incident [default: the current one]'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "timeline" -d 'Show an incident\'s timeline in UTC [default: the current incident]'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "outbox" -d 'Messages that could not be delivered, kept until delivered or dropped'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "doctor" -d 'Check the config, the state dir and every configured provider\'s credentials'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "bot" -d 'Answer `!ic page`, `!status`, `!status stalk`, `!note`, `!todo`, `!sev`, `!role` in the rooms'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "completions" -d 'Print the shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "man" -d 'Print the man page, or write one page per command into a directory'
complete -c inc -n "__fish_inc_using_subcommand help; and not __fish_seen_subcommand_from init page-ic page attach sync oncall declare role handover sev note todo status changes service comms notify-exec resolve postmortem email list show timeline outbox doctor bot completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c inc -n "__fish_inc_using_subcommand help; and __fish_seen_subcommand_from service" -f -a "add" -d 'Name an affected service (a name of [changes.services]); told in the incident room'
complete -c inc -n "__fish_inc_using_subcommand help; and __fish_seen_subcommand_from postmortem" -f -a "new" -d 'Write the post-mortem from the journal: owner, meeting deadline, impact, timeline, action items'
complete -c inc -n "__fish_inc_using_subcommand help; and __fish_seen_subcommand_from outbox" -f -a "list" -d 'List what is waiting'
complete -c inc -n "__fish_inc_using_subcommand help; and __fish_seen_subcommand_from outbox" -f -a "retry" -d 'Try to deliver again (all, or the given ids); delivered entries leave the outbox'
complete -c inc -n "__fish_inc_using_subcommand help; and __fish_seen_subcommand_from outbox" -f -a "drop" -d 'Give up on entries for good'
complete -c inc -n "__fish_inc_using_subcommand help; and __fish_seen_subcommand_from bot" -f -a "manifest" -d 'Print the Slack app manifest for inc bot (Socket Mode on, the bot scopes and events, with why)'
