#include "domain/codec/codec.h"

#include <array>
#include <exception>
#include <utility>
#include <variant>

#include "domain/codec/archive.h"

namespace orgledger::codec {
namespace {

// A snapshot: the state's schema first, so that a changed schema is told
// apart from damaged bytes.
struct StateSnapshot {
  std::uint32_t schema = 0;
  domain::OrgState state;
};

// What EncodeState writes: the bytes of a StateSnapshot, without copying
// the state into one (a copy as large as the state, for every snapshot).
struct StateSnapshotOf {
  std::uint32_t schema = 0;
  const domain::OrgState* state = nullptr;
};

struct OtherSchema : cereal::Exception {
  OtherSchema() : cereal::Exception("snapshot of another state schema") {}
};

template <class A>
void serialize(A& ar, StateSnapshot& s, std::uint32_t) {
  ar(s.schema);
  if (s.schema != kStateSchemaVersion) throw OtherSchema();
  ar(s.state);
}

template <class A>
void save(A& ar, const StateSnapshotOf& s, std::uint32_t) {
  ar(s.schema, *s.state);
}

// Decoders by type name, in the order of the Event variant.
using Decoder = domain::Event (*)(std::string_view);

template <std::size_t I>
domain::Event DecodeAlternative(std::string_view bytes) {
  using T = std::variant_alternative_t<I, domain::Event>;
  return domain::Event(std::in_place_index<I>, internal::Load<T>(bytes));
}

template <std::size_t... I>
constexpr std::array<Decoder, sizeof...(I)> MakeDecoders(
    std::index_sequence<I...>) {
  return {&DecodeAlternative<I>...};
}

constexpr auto kDecoders = MakeDecoders(
    std::make_index_sequence<std::variant_size_v<domain::Event>>{});

// The variant index of a type name, or -1.
int TypeIndex(std::string_view type) {
  static const std::array<std::string, std::variant_size_v<domain::Event>>
      names = [] {
        std::array<std::string, std::variant_size_v<domain::Event>> n;
        auto fill = [&]<std::size_t... I>(std::index_sequence<I...>) {
          ((n[I] = std::string(
                domain::EventTypeName(domain::Event(std::in_place_index<I>)))),
           ...);
        };
        fill(std::make_index_sequence<std::variant_size_v<domain::Event>>{});
        return n;
      }();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == type) return static_cast<int>(i);
  }
  return -1;
}

template <class T, class F>
Result<T> Guard(std::string_view what, F&& decode) {
  try {
    return decode();
  } catch (const std::exception& e) {
    return Corruption(std::string(what) + " does not decode: " + e.what());
  }
}

}  // namespace

std::uint32_t SchemaVersion(const domain::Event& event) {
  return std::visit(
      [](const auto& e) {
        return cereal::detail::Version<std::decay_t<decltype(e)>>::version;
      },
      event);
}

std::string EncodeEvent(const domain::Event& event) {
  return std::visit([](const auto& e) { return internal::Save(e); }, event);
}

Result<domain::Event> DecodeEvent(std::string_view type,
                                  std::string_view payload) {
  const int index = TypeIndex(type);
  if (index < 0) {
    return Corruption("unknown event type \"" + std::string(type) + "\"");
  }
  return Guard<domain::Event>("event " + std::string(type), [&] {
    return kDecoders[static_cast<std::size_t>(index)](payload);
  });
}

std::string EncodeMetadata(const EventMetadata& metadata) {
  return internal::Save(metadata);
}

Result<EventMetadata> DecodeMetadata(std::string_view bytes) {
  return Guard<EventMetadata>(
      "event metadata", [&] { return internal::Load<EventMetadata>(bytes); });
}

std::string EncodeState(const domain::OrgState& state) {
  return internal::Save(StateSnapshotOf{kStateSchemaVersion, &state});
}

Result<domain::OrgState> DecodeState(std::string_view bytes) {
  try {
    domain::OrgState state = internal::Load<StateSnapshot>(bytes).state;
    state.Reindex();  // derived, not stored
    return state;
  } catch (const OtherSchema&) {
    return NotFound("snapshot written under another state schema");
  } catch (const std::exception& e) {
    return Corruption(std::string("snapshot does not decode: ") + e.what());
  }
}

std::string EncodeOutcome(const KeptOutcome& outcome) {
  return internal::Save(outcome);
}

Result<KeptOutcome> DecodeOutcome(std::string_view bytes) {
  return Guard<KeptOutcome>("kept outcome",
                            [&] { return internal::Load<KeptOutcome>(bytes); });
}

std::string CanonicalRequest(const domain::CommandEnvelope& request) {
  return internal::Save(request);
}

}  // namespace orgledger::codec

CEREAL_CLASS_VERSION(orgledger::codec::StateSnapshot, 1)
// The same version: the bytes are a StateSnapshot's.
CEREAL_CLASS_VERSION(orgledger::codec::StateSnapshotOf, 1)
