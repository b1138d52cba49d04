// sandbox.h: per-test isolation from any real daemon. Each test gets its own temp directory and
// RUNWAY_SOCKET inside it, may start its own runwayd (RUNWAY_DAEMON_PATH) with extra environment, and
// kills whatever daemon wrote the pid file there when it ends.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ofxhost {

class Sandbox {
public:
    /// Creates the temp directory and points RUNWAY_SOCKET at it. Must run before libRunwayClient loads:
    /// the client reads its environment once.
    Sandbox();
    ~Sandbox();
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    const std::string& dir() const { return dir_; }
    std::string socketPath() const { return dir_ + "/runwayd.sock"; }
    std::string pidPath() const { return dir_ + "/runwayd.pid"; }

    /// The daemon's pid from runwayd.pid, if that process is alive.
    std::optional<pid_t> daemonPid() const;
    /// True once the socket accepts connections.
    bool socketAnswers() const;
    /// Starts RUNWAY_DAEMON_PATH (apphost, or a .dll run with dotnet) on this sandbox's socket with extra
    /// environment, and waits until it answers; throws with the daemon's log on failure.
    void startDaemon(const std::vector<std::pair<std::string, std::string>>& env = {});
    /// Sends `signal` to the daemon and waits (bounded) until it is gone.
    void killDaemon(int signal);

private:
    std::string dir_;
    pid_t child_ = -1;
};

/// True when a process is alive (not a zombie).
bool processAlive(pid_t pid);

/// Copies a bundle directory tree (real files, no links: the plugin finds its files with realpath).
void copyTree(const std::string& from, const std::string& to);

} // namespace ofxhost
