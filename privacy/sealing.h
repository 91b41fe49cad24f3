// Which fields of an event are personal (SPEC §10), and sealing and opening
// them in place. An event's personal fields belong to one person each: the
// email they are about (a creator, an invitee, an acceptor, an actor), so
// each is sealed with that person's key (person_keys.h).
#ifndef ORGLEDGER_PRIVACY_SEALING_H_
#define ORGLEDGER_PRIVACY_SEALING_H_

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "base/result.h"
#include "domain/events.h"
#include "domain/state.h"
#include "domain/types.h"
#include "privacy/person_keys.h"

namespace orgledger::privacy {

// The key rows a seal needs written with its records (PersonKeys::ForPerson).
using KeyRows = std::map<std::string, std::string>;

// Seals the personal fields of `event`, decided on `state` for `org` by
// `actor` (whose key seals a card's holder name; `state` gives the email an
// InviteEmailFailed's reason is about). Fields already sealed or empty are
// left. The key rows to append with it are added to `rows`. kUnavailable
// from the key rows.
Status SealEvent(PersonKeys& keys, const std::string& org,
                 const domain::OrgState& state, const domain::Actor& actor,
                 domain::Event& event, KeyRows* rows);
// Seals a person actor's email and name.
Status SealActor(PersonKeys& keys, const std::string& org, domain::Actor& actor,
                 KeyRows* rows);
// Seals free text about the person with `email` (an outcome's message).
Status SealText(PersonKeys& keys, const std::string& org,
                std::string_view email, std::string& text, KeyRows* rows);

// Opens every sealed field in place: its plaintext, or what an erased
// field reads as (cipher.h) when its key is gone. kCorruption for a field
// that does not open with its key; kUnavailable from the key rows.
Status OpenEvent(PersonKeys& keys, domain::Event& event);
Status OpenActor(PersonKeys& keys, domain::Actor& actor);
Status OpenText(PersonKeys& keys, std::string& text);

// Whether a plaintext `event` or `actor` names the person with
// `normalized_email` (may be empty) or one of `user_ids` in a personal
// field: what erase lists when it cannot erase it.
bool Mentions(const domain::Event& event, const domain::Actor& actor,
              std::string_view normalized_email,
              const std::set<std::string>& user_ids);

// Whether `event` or `actor` has an email or a name in plaintext (free
// text, sealed only when it is known whose it is, is not counted).
bool HasPlaintext(const domain::Event& event, const domain::Actor& actor);

}  // namespace orgledger::privacy

#endif  // ORGLEDGER_PRIVACY_SEALING_H_
