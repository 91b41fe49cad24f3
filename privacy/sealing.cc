#include "privacy/sealing.h"

#include <functional>
#include <vector>

#include "domain/validation.h"

namespace orgledger::privacy {
namespace {

using namespace domain;

// One personal field: where it is, what kind, whose email it is about.
struct Field {
  std::string* value;
  FieldKind kind;
  std::string email;    // the person's (as given)
  std::string user_id;  // linked to them, when the event says
};

// The personal fields of `event`. `actor` and `state` as for SealEvent
// (only sealing needs the persons; opening reads them from the fields).
std::vector<Field> FieldsOf(Event& event, const Actor* actor,
                            const OrgState* state) {
  std::vector<Field> out;
  auto add = [&](std::string& v, FieldKind k, const std::string& email,
                 const std::string& user) {
    out.push_back(Field{&v, k, email, user});
  };
  std::visit(
      [&](auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, OrganizationCreated>) {
          const std::string email = e.creator_email;
          add(e.creator_email, FieldKind::kEmail, email, e.creator_id);
          add(e.creator_name, FieldKind::kName, email, e.creator_id);
        } else if constexpr (std::is_same_v<T, InviteSent>) {
          const std::string email = e.email;
          add(e.email, FieldKind::kEmail, email, "");
        } else if constexpr (std::is_same_v<T, InviteAccepted>) {
          const std::string email = e.email;
          add(e.email, FieldKind::kEmail, email, e.user_id);
          add(e.name, FieldKind::kName, email, e.user_id);
        } else if constexpr (std::is_same_v<T, InviteAcceptFailed>) {
          const std::string email = e.actor_email;
          add(e.actor_email, FieldKind::kEmail, email, e.actor_id);
        } else if constexpr (std::is_same_v<T, InviteEmailFailed>) {
          // The mail server's words may quote the invitee's address.
          std::string email;
          if (state != nullptr) {
            if (auto it = state->invites.find(e.invite_id);
                it != state->invites.end()) {
              email = it->second.email;
            }
          }
          add(e.reason, FieldKind::kText, email, "");
        } else if constexpr (std::is_same_v<T, CreditCardUpdated>) {
          // The holder's name, as the person who entered the card gave it.
          std::string email, user;
          if (actor != nullptr && !actor->system) {
            email = actor->email;
            user = actor->id;
          }
          add(e.card.holder_name, FieldKind::kName, email, user);
        }
      },
      event);
  return out;
}

Status SealField(PersonKeys& keys, const std::string& org, const Field& f,
                 KeyRows* rows) {
  if (f.value->empty() || IsSealed(*f.value) || f.email.empty()) {
    return Status::Ok();
  }
  Result<PersonKey> key = keys.ForPerson(f.email, f.user_id, org, rows);
  if (!key.ok()) return key.status();
  Result<std::string> sealed = Seal(key->key, key->id, f.kind, *f.value);
  if (!sealed.ok()) return sealed.status();
  *f.value = std::move(*sealed);
  return Status::Ok();
}

Status OpenField(PersonKeys& keys, std::string& value) {
  if (!IsSealed(value)) return Status::Ok();
  std::optional<SealedHeader> header = ReadHeader(value);
  if (!header.has_value()) return Corruption("a sealed field is damaged");
  Result<std::optional<KeyBytes>> key = keys.Find(header->key_id);
  if (!key.ok()) return key.status();
  if (!key->has_value()) {
    value = ErasedValue(header->kind);
    return Status::Ok();
  }
  Result<std::string> plain = Open(**key, value);
  if (!plain.ok()) return plain.status();
  value = std::move(*plain);
  return Status::Ok();
}

std::vector<Field> ActorFields(Actor& actor) {
  if (actor.system || actor.email.empty()) return {};
  const std::string email = actor.email;
  return {Field{&actor.email, FieldKind::kEmail, email, actor.id},
          Field{&actor.name, FieldKind::kName, email, actor.id}};
}

}  // namespace

Status SealEvent(PersonKeys& keys, const std::string& org,
                 const OrgState& state, const Actor& actor, Event& event,
                 KeyRows* rows) {
  for (const Field& f : FieldsOf(event, &actor, &state)) {
    if (Status s = SealField(keys, org, f, rows); !s.ok()) return s;
  }
  return Status::Ok();
}

Status SealActor(PersonKeys& keys, const std::string& org, Actor& actor,
                 KeyRows* rows) {
  for (const Field& f : ActorFields(actor)) {
    if (Status s = SealField(keys, org, f, rows); !s.ok()) return s;
  }
  return Status::Ok();
}

Status SealText(PersonKeys& keys, const std::string& org,
                std::string_view email, std::string& text, KeyRows* rows) {
  return SealField(
      keys, org, Field{&text, FieldKind::kText, std::string(email), ""}, rows);
}

Status OpenEvent(PersonKeys& keys, Event& event) {
  for (const Field& f : FieldsOf(event, nullptr, nullptr)) {
    if (Status s = OpenField(keys, *f.value); !s.ok()) return s;
  }
  return Status::Ok();
}

Status OpenActor(PersonKeys& keys, Actor& actor) {
  if (actor.system) return Status::Ok();
  if (Status s = OpenField(keys, actor.email); !s.ok()) return s;
  return OpenField(keys, actor.name);
}

Status OpenText(PersonKeys& keys, std::string& text) {
  return OpenField(keys, text);
}

namespace {

// The personal fields of `event` and `actor` that hold plaintext; they
// point into the two, which are the caller's copies.
std::vector<Field> PlaintextFields(Event& event, Actor& actor) {
  std::vector<Field> fields = FieldsOf(event, &actor, nullptr);
  for (Field& f : ActorFields(actor)) fields.push_back(f);
  std::erase_if(fields, [](const Field& f) {
    return f.value->empty() || IsSealed(*f.value);
  });
  return fields;
}

}  // namespace

bool Mentions(const Event& event, const Actor& actor,
              std::string_view normalized_email,
              const std::set<std::string>& user_ids) {
  Event copy = event;
  Actor who = actor;
  for (const Field& f : PlaintextFields(copy, who)) {
    if (!normalized_email.empty() &&
        NormalizeEmail(f.email) == normalized_email) {
      return true;
    }
    if (!f.user_id.empty() && user_ids.contains(f.user_id)) return true;
  }
  return false;
}

bool HasPlaintext(const Event& event, const Actor& actor) {
  Event copy = event;
  Actor who = actor;
  for (const Field& f : PlaintextFields(copy, who)) {
    // Free text is sealed only when the person it may be about is known.
    if (f.kind != FieldKind::kText) return true;
  }
  return false;
}

}  // namespace orgledger::privacy
