# SPDX-License-Identifier: GPL-2.0
# bash completion for vmprofctl, installed as
# /usr/share/bash-completion/completions/vmprofctl by "make install".
# Commands, each command's options and the values of the options that
# take a known few all come from the vmprofctl being completed
# ("vmprofctl --complete", "vmprofctl CMD --complete [OPTION]"), so the
# completion cannot fall behind it; a value it does not list is a file.

_vmprofctl()
{
	local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
	local prev= cmd=${COMP_WORDS[1]} opt= pre= opts values

	COMPREPLY=()
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		values=$("$prog" --complete 2>/dev/null)
		[[ $cur == -* ]] || values=$(printf '%s\n' $values | grep -v '^-')
		COMPREPLY=($(compgen -W "$values" -- "$cur"))
		return 0
	fi
	opts=$("$prog" "$cmd" --complete 2>/dev/null) || return 0
	# --opt=value: bash splits it at '=' (COMP_WORDBREAKS), unless told not to
	if [ "$cur" = = ]; then
		opt=$prev
		cur=
	elif [ "$prev" = = ] && [ "$COMP_CWORD" -gt 2 ]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		pre=$opt=
		cur=${cur#*=}
	elif [[ $prev == -* ]]; then
		opt=$prev
	fi
	if [ -n "$opt" ] && printf '%s\n' "$opts" | grep -qxF -- "$opt="; then
		values=$("$prog" "$cmd" --complete "$opt" 2>/dev/null)
		# a list (--sort KEY,+KEY,-KEY): the last word of it; no value
		# has a ',' or starts with a sign, so this takes none apart
		if [ -n "$values" ] && [[ $cur == *,* ]]; then
			pre=$pre${cur%,*},
			cur=${cur##*,}
		fi
		if [ -n "$values" ] && [[ $cur == [+-]* ]]; then
			pre=$pre${cur:0:1}
			cur=${cur:1}
		fi
		if [ -n "$values" ]; then
			COMPREPLY=($(compgen -P "$pre" -W "$values" -- "$cur"))
		else
			COMPREPLY=($(compgen -P "$pre" -f -- "$cur"))
		fi
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "${opts//=/}" -- "$cur"))
	fi
	return 0
}
complete -F _vmprofctl vmprofctl
