# zsh -f zsh-complete.zsh FPATH_DIR CWD LINE
# Completes LINE with a TAB in an interactive zsh on a pseudo-terminal
# (zpty), with FPATH_DIR on $fpath and compinit run (-D: no dump file; a dump
# "written" to /dev/null replaces the device with a file), and prints every match
# the completion system adds, one a line. compadd is wrapped to report what
# it is given (-O) before the builtin adds it. Each step waits for the
# shell's answer before the next, so no input is typed ahead of it.
zmodload zsh/zpty || exit 3
zpty -b c zsh -f -i
zpty -w c "PS1='<P>'; cd ${(q)2} || exit; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w c 'compadd() { local -a hits; builtin compadd -O hits "$@"; print -rl -- "" ${^hits/#/MATCH:}; builtin compadd "$@"; }'
# TAB completes, then says so.
zpty -w c 'tab() { zle complete-word; print -n "<COMPLE""TED>"; }; zle -N tab; bindkey "^I" tab'
zpty -w c "zstyle ':completion:*' list-prompt ''; unsetopt beep; print -z -- ${(q)3}; echo RE''ADY"
# The line is in the editor once the prompt follows READY.
zpty -r -m c out '*READY*<P>*' || exit 4
zpty -w -n c $'\t'
zpty -r -m c out '*<COMPLETED>*' || exit 5
zpty -d c
print -r -- "${out//$'\r'/}" | sed -n 's/^MATCH://p'
