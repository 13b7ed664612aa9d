# zsh -f zsh-complete.zsh FPATH_DIR CWD LINE
# Types LINE and a TAB into an interactive zsh on a pseudo-terminal (zpty),
# with FPATH_DIR on $fpath and compinit run, and prints every match the
# completion system adds, one a line. compadd is wrapped to report what it
# is given (-O) before the builtin adds it.
zmodload zsh/zpty || exit 3
zpty -b c zsh -f -i
zpty -w c "PS1=''; cd ${(q)2} || exit; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -d /dev/null"
zpty -w c 'compadd() { local -a hits; builtin compadd -O hits "$@"; print -rl -- "" ${^hits/#/MATCH:}; builtin compadd "$@"; }'
zpty -w c "zstyle ':completion:*' list-prompt ''; bindkey '^I' complete-word; unsetopt beep"
# Type the line only once the shell has run all that and waits at its prompt
# (input typed ahead of a running command can be discarded).
zpty -w c "echo RE''ADY"
zpty -r -m c out '*READY*' || exit 4
zpty -w -n c "$3"$'\t'
# Kill the line, then a command whose output (not its echo) says the TAB was handled.
zpty -w c $'\C-u'"echo DO''NE"
zpty -r -m c out '*DONE*' || exit 5
zpty -d c
print -r -- "${out//$'\r'/}" | sed -n 's/^MATCH://p'
