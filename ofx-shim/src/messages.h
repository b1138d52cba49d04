// messages.h: showing failures to the user through the host's message suite.
#pragma once

#include <string>

namespace runway::ofx {

/// Shows an error on the instance: a persistent message (Message suite v2) when the host has a working one,
/// else a one-off v1 message. Returns true if the host accepted it as a persistent message.
bool postError(void* instance, const std::string& text);

/// Clears the persistent message set by postError (no-op on hosts without v2).
void clearError(void* instance);

} // namespace runway::ofx
