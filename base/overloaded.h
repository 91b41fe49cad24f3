// Overloaded: a visitor from lambdas, for std::visit over the variants of
// events and commands:
//   std::visit(Overloaded{[](const InviteSent& e) {...}, ...}, event);
#ifndef ORGLEDGER_BASE_OVERLOADED_H_
#define ORGLEDGER_BASE_OVERLOADED_H_

namespace orgledger {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace orgledger

#endif  // ORGLEDGER_BASE_OVERLOADED_H_
