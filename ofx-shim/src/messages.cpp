// messages.cpp: the only place that calls the host's variadic message functions. Text always goes through
// a "%s" format so a '%' in a daemon message can never be read as a conversion.
#include "messages.h"

#include "suites.h"

namespace runway::ofx {
namespace {
constexpr const char* kMessageId = "com.runwayml.render";
}

bool postError(void* instance, const std::string& text) {
    logLine(text);
    const Suites& s = suites();
    // Some hosts advertise v2 but leave setPersistentMessage NULL: treat that as "no persistent messages".
    if (s.messageV2 != nullptr && s.messageV2->setPersistentMessage != nullptr) {
        if (s.messageV2->setPersistentMessage(instance, kOfxMessageError, kMessageId, "%s", text.c_str()) ==
            kOfxStatOK)
            return true;
    }
    if (s.messageV1 != nullptr && s.messageV1->message != nullptr) {
        s.messageV1->message(instance, kOfxMessageError, kMessageId, "%s", text.c_str());
    } else if (s.messageV2 != nullptr && s.messageV2->message != nullptr) {
        s.messageV2->message(instance, kOfxMessageError, kMessageId, "%s", text.c_str());
    }
    return false;
}

void clearError(void* instance) {
    const Suites& s = suites();
    if (s.messageV2 != nullptr && s.messageV2->clearPersistentMessage != nullptr)
        s.messageV2->clearPersistentMessage(instance);
}

} // namespace runway::ofx
