// Whole files as text, for tests that read what a process wrote or keep
// what they found beside a failure.
#ifndef ORGLEDGER_TESTS_TESTING_FILES_H_
#define ORGLEDGER_TESTS_TESTING_FILES_H_

#include <string>

namespace orgledger::testing {

// The contents of `path`; "" when it cannot be read (a missing file is
// what a test reports, not an error of the test).
std::string ReadText(const std::string& path);

// Replaces `path` with `text`; best effort (a failure's details only).
void WriteText(const std::string& path, const std::string& text);

// WriteText, then mode 0600: a file only its owner may read (a secret).
void WritePrivateText(const std::string& path, const std::string& text);

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TESTING_FILES_H_
