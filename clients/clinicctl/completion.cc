#include "clients/clinicctl/completion.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "clients/clinicctl/parse.h"
#include "clinic/v1/common.pb.h"

namespace clinic::cli {
namespace {

// The functions that read the line, in the words bash and zsh share. They
// know the table only through _clinicctl_command.
constexpr char kParse[] = R"sh(
# _clinicctl_has WORD LIST...: whether WORD is in LIST.
_clinicctl_has() {
  local word=$1 item
  shift
  for item in "$@"; do
    [[ $item == "$word" ]] && return 0
  done
  return 1
}

# _clinicctl_kind --NAME FLAG...: sets kind to the KIND of --NAME among
# FLAG... ("" for a switch); fails when it is not there.
_clinicctl_kind() {
  local name=${1#--} flag
  shift
  for flag in "$@"; do
    case $flag in
      "$name") kind=; return 0 ;;
      "$name"=*) kind=${flag#*=}; return 0 ;;
    esac
  done
  return 1
}

# _clinicctl_parse WORD...: reads the words before the cursor as clinicctl
# does. Sets cmd to the command or group they name, subs, flags and args as
# _clinicctl_command does for it, npos to the number of arguments, and want
# to the KIND of value the cursor is at when the last word is a flag that
# takes one.
_clinicctl_parse() {
  local word found=
  _clinicctl_command ''
  while (($#)); do
    word=$1
    shift
    if [[ $word == -?* ]]; then
      # The words before a command's first flag are all of its name.
      [[ -n $found ]] && subs=()
      if [[ $word != *=* ]] && _clinicctl_kind "$word" "${flags[@]}" &&
        [[ -n $kind ]]; then
        if (($#)); then shift; else want=$kind; fi
      fi
    elif [[ -z $cmd && $word == help ]]; then
      :  # help COMMAND
    elif ((npos == 0)) && _clinicctl_has "$word" "${subs[@]}"; then
      cmd=${cmd:+$cmd }$word
      _clinicctl_command "$cmd" && found=1
    else
      npos=$((npos + 1))
    fi
  done
}
)sh";

constexpr char kBash[] = R"sh(
# _clinicctl_reply KIND: sets COMPREPLY to the values of KIND that complete
# cur; KIND-list is a comma-separated list of them.
_clinicctl_reply() {
  local kind=$1 before= id rest
  local -a choices=()
  if [[ $kind == *-list ]]; then
    kind=${kind%-list}
    before=${cur%"${cur##*,}"}
    cur=${cur##*,}
  fi
  case $kind in
    file)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    therapist | clinic | athlete)
      while IFS=$'\t' read -r id rest; do
        choices+=("$id")
      done < <("${COMP_WORDS[0]}" __complete "${kind}s" 2>/dev/null </dev/null)
      ;;
    *) _clinicctl_choices "$kind" ;;
  esac
  mapfile -t COMPREPLY < <(compgen -P "$before" -W "${choices[*]}" -- "$cur")
}

_clinicctl() {
  local cur cmd= kind= want= word i
  local -a line=() subs=() flags=() args=()
  local -i npos=0
  # bash splits COMP_WORDS at = and : as well; join those pieces again.
  for ((i = 1; i <= COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if ((i > 1)) && [[ $word == [=:]* || ${COMP_WORDS[i - 1]} == *[=:] ]]; then
      line[${#line[@]} - 1]+=$word
    else
      line+=("$word")
    fi
  done
  cur=${line[${#line[@]} - 1]}
  _clinicctl_parse "${line[@]:0:${#line[@]}-1}"
  COMPREPLY=()
  if [[ -z $want && $cur == --*=* ]]; then
    want=text
    _clinicctl_kind "${cur%%=*}" "${flags[@]}" && [[ -n $kind ]] && want=$kind
    cur=${cur#*=}
  fi
  if [[ -n $want ]]; then
    _clinicctl_reply "$want"
  elif [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(printf -- '--%s ' "${flags[@]%%=*}")" -- "$cur")
  elif ((npos == 0 && ${#subs[@]} > 0)); then
    mapfile -t COMPREPLY < <(compgen -W "${subs[*]}" -- "$cur")
  elif ((npos < ${#args[@]})); then
    _clinicctl_reply "${args[npos]}"
  fi
}

complete -F _clinicctl clinicctl
)sh";

constexpr char kZsh[] = R"sh(
# _clinicctl_reply KIND: offers the values of KIND; KIND-list is a
# comma-separated list of them.
_clinicctl_reply() {
  local kind=$1 line
  local -a choices
  if [[ $kind == *-list ]]; then
    kind=${kind%-list}
    compset -P '*,'
  fi
  case $kind in
    file) _files ;;
    therapist | clinic | athlete)
      for line in ${(f)"$(${words[1]} __complete ${kind}s 2>/dev/null </dev/null)"}; do
        choices+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}")
      done
      _describe -t ${kind}s $kind choices
      ;;
    *) _clinicctl_choices $kind && compadd -a choices ;;
  esac
}

_clinicctl() {
  local cur=${words[CURRENT]} cmd= kind= want= flag
  local -a subs flags args names
  local -i npos=0
  _clinicctl_parse "${(@)words[2,CURRENT-1]}"
  if [[ -z $want && $cur == --*=* ]]; then
    want=text
    _clinicctl_kind "${cur%%=*}" "${flags[@]}" && [[ -n $kind ]] && want=$kind
    compset -P '*='
  fi
  if [[ -n $want ]]; then
    _clinicctl_reply $want
  elif [[ $cur == -* ]]; then
    for flag in "${flags[@]}"; do
      names+=(--${flag%%=*})
    done
    compadd -a names
  elif ((npos == 0 && ${#subs} > 0)); then
    compadd -a subs
  elif ((npos < ${#args})); then
    _clinicctl_reply ${args[npos+1]}
  fi
}

# Autoloaded from $fpath this file is _clinicctl's body; sourced, it
# registers the function.
if [[ ${funcstack[1]} == _clinicctl ]]; then
  _clinicctl "$@"
else
  compdef _clinicctl clinicctl
fi
)sh";

std::string Quoted(absl::string_view word) {
  return absl::StrCat("'", absl::StrReplaceAll(word, {{"'", "'\\''"}}), "'");
}

// `word` as it is when no character in it is special to the shell, else
// quoted.
std::string ShellWord(absl::string_view word) {
  const bool plain =
      !word.empty() && absl::ascii_isalnum(word[0]) &&
      std::all_of(word.begin(), word.end(), [](char c) {
        return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '=';
      });
  return plain ? std::string(word) : Quoted(word);
}

std::string ShellWords(const std::vector<std::string>& words) {
  return absl::StrJoin(words, " ", [](std::string* out, const std::string& w) {
    out->append(ShellWord(w));
  });
}

// The records `clinicctl __complete` lists the ids of.
bool HasIds(absl::string_view record) {
  return record == "therapist" || record == "clinic" || record == "athlete";
}

// How the script completes a flag's value, a KIND of its _clinicctl_reply:
// "file", "modality", "therapist", "clinic", "athlete" or "shell", with
// "-list" for a comma-separated list of them; "text" for nothing.
std::string FlagKind(const FlagSpec& flag) {
  if (flag.value == "FILE") return "file";
  if (flag.name == "modality") return "modality";
  if (flag.name == "modalities") return "modality-list";
  if (flag.name == "clinics") return "clinic-list";
  if (flag.value == "ID" && HasIds(flag.name)) return flag.name;
  return "text";
}

// "name" for a switch, "name=KIND" for a flag with a value.
std::vector<std::string> FlagWords(const std::vector<FlagSpec>& flags) {
  std::vector<std::string> words;
  words.reserve(flags.size());
  for (const FlagSpec& f : flags) {
    words.push_back(f.value.empty() ? f.name
                                    : absl::StrCat(f.name, "=", FlagKind(f)));
  }
  return words;
}

// The KIND of each positional: a therapist, clinic or athlete command's ID
// is that record's id, SHELL a shell.
std::vector<std::string> ArgKinds(const CommandSpec& command) {
  const std::string group = command.path.substr(0, command.path.find(' '));
  std::vector<std::string> kinds;
  for (const std::string& p : command.positional) {
    if (p == "SHELL") {
      kinds.emplace_back("shell");
    } else if (p == "ID" && HasIds(group)) {
      kinds.push_back(group);
    } else {
      kinds.emplace_back("text");
    }
  }
  return kinds;
}

std::vector<std::string> ModalityNames() {
  std::vector<std::string> names;
  for (int m = v1::Modality_MIN; m <= v1::Modality_MAX; ++m) {
    if (m != v1::MODALITY_UNSPECIFIED && v1::Modality_IsValid(m)) {
      names.push_back(ModalityFlagName(static_cast<v1::Modality>(m)));
    }
  }
  return names;
}

// The table as shell functions, the same text for bash and zsh.
std::string TableFunctions(const std::vector<CommandSpec>& commands) {
  // Every command and every group (a prefix of a command's words, "" the
  // start of the line), in table order, with the words that may follow.
  std::vector<std::string> keys;
  std::map<std::string, std::vector<std::string>> next;
  std::map<std::string, const CommandSpec*> command_at;
  auto add_key = [&](const std::string& key) {
    if (next.emplace(key, std::vector<std::string>()).second) {
      keys.push_back(key);
    }
  };
  add_key("");
  for (const CommandSpec& c : commands) {
    if (c.hidden) continue;
    std::string prefix;
    for (absl::string_view word : absl::StrSplit(c.path, ' ')) {
      std::vector<std::string>& words = next[prefix];
      if (std::find(words.begin(), words.end(), word) == words.end()) {
        words.emplace_back(word);
      }
      prefix =
          prefix.empty() ? std::string(word) : absl::StrCat(prefix, " ", word);
      add_key(prefix);
    }
    command_at[c.path] = &c;
  }
  next[""].push_back("help");

  std::string text = absl::StrCat(
      R"sh(
# _clinicctl_command WORDS: sets subs to the words that may follow WORDS,
# flags to the flags after them (NAME for a switch, NAME=KIND for a flag
# with a value; KIND as _clinicctl_reply takes it) and args to the KIND of
# each argument. Fails when WORDS are no command but a group or nothing.
_clinicctl_command() {
  subs=()
  args=()
  flags=()sh",
      ShellWords(FlagWords(GlobalFlags())), ")\n  case $1 in\n");
  for (const std::string& key : keys) {
    std::vector<std::string> parts;
    if (!next[key].empty()) {
      parts.push_back(absl::StrCat("subs=(", ShellWords(next[key]), ")"));
    }
    auto it = command_at.find(key);
    if (it == command_at.end()) {
      parts.emplace_back("return 1");
    } else {
      const CommandSpec& c = *it->second;
      if (!c.flags.empty()) {
        parts.push_back(
            absl::StrCat("flags+=(", ShellWords(FlagWords(c.flags)), ")"));
      }
      if (!c.positional.empty()) {
        parts.push_back(absl::StrCat("args=(", ShellWords(ArgKinds(c)), ")"));
      }
    }
    absl::StrAppend(&text, "    ", Quoted(key), ")", parts.empty() ? "" : " ",
                    absl::StrJoin(parts, "; "), " ;;\n");
  }
  absl::StrAppend(&text, R"sh(    *) return 1 ;;
  esac
}

# _clinicctl_choices KIND: sets choices to the values of KIND when they are
# a fixed set.
_clinicctl_choices() {
  case $1 in
    modality) choices=()sh",
                  ShellWords(ModalityNames()), ") ;;\n    shell) choices=(",
                  ShellWords(CompletionShells()), R"sh() ;;
    *) return 1 ;;
  esac
}
)sh");
  return text;
}

}  // namespace

const std::vector<std::string>& CompletionShells() {
  static const auto* shells = new std::vector<std::string>{"bash", "zsh"};
  return *shells;
}

absl::StatusOr<std::string> CompletionScript(
    absl::string_view shell, const std::vector<CommandSpec>& commands) {
  const std::string about = absl::StrCat(
      "# ", shell,
      " completion for clinicctl, written by `clinicctl completion ", shell,
      "`\n# from its command table; `clinicctl completion --help` says how to "
      "install it.\n# Therapist, clinic and athlete ids come from `clinicctl "
      "__complete`, which asks\n# $CLINIC_SERVER with $CLINIC_TOKEN and "
      "gives up after 1 s.\n");
  if (shell == "bash") {
    return absl::StrCat(about, TableFunctions(commands), kParse, kBash);
  }
  if (shell == "zsh") {
    return absl::StrCat("#compdef clinicctl\n", about, TableFunctions(commands),
                        kParse, kZsh);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("no completion for shell \"", shell, "\": use ",
                   absl::StrJoin(CompletionShells(), " or ")));
}

}  // namespace clinic::cli
