// sandbox.cpp: temp dirs, spawning and killing runwayd.
#include "sandbox.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace ofxhost {

bool processAlive(pid_t pid) {
    if (pid <= 0) return false;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return false; // our child, now reaped
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return false;
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

void copyTree(const std::string& from, const std::string& to) {
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

Sandbox::Sandbox() {
    // libRunwayClient reads RUNWAY_SOCKET once per process: a second sandbox would leave the client talking
    // to (and auto-starting a daemon on) the first one's socket, which nobody cleans up.
    static int created = 0;
    if (++created > 1) throw std::logic_error("one Sandbox per test process");
    char tmpl[] = "/tmp/runway-ofxhost-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    setenv("RUNWAY_SOCKET", socketPath().c_str(), 1);
    unsetenv("RUNWAY_RENDER_DELAY_MS");
}

Sandbox::~Sandbox() {
    try {
        if (daemonPid()) killDaemon(SIGTERM);
        if (daemonPid()) killDaemon(SIGKILL);
        if (child_ > 0) {
            kill(child_, SIGKILL);
            waitpid(child_, nullptr, 0);
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    } catch (...) {
    }
}

std::optional<pid_t> Sandbox::daemonPid() const {
    std::ifstream in(pidPath());
    long pid = 0;
    if (!(in >> pid) || pid <= 0) return std::nullopt;
    if (!processAlive(static_cast<pid_t>(pid))) return std::nullopt;
    return static_cast<pid_t>(pid);
}

bool Sandbox::socketAnswers() const {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socketPath().c_str(), sizeof(addr.sun_path) - 1);
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

void Sandbox::startDaemon(const std::vector<std::pair<std::string, std::string>>& env) {
    const char* daemon = std::getenv("RUNWAY_DAEMON_PATH");
    if (daemon == nullptr || *daemon == '\0')
        throw std::runtime_error("RUNWAY_DAEMON_PATH is not set (configure with -DRUNWAY_DAEMON_PATH=...)");
    const std::string path = daemon;
    const bool dll = path.size() > 4 && path.compare(path.size() - 4, 4, ".dll") == 0;
    const std::string log = dir_ + "/daemon-console.log";
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        setsid();
        for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
        const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        if (dll) execlp("dotnet", "dotnet", path.c_str(), static_cast<char*>(nullptr));
        else execl(path.c_str(), path.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    child_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        if (socketAnswers() && daemonPid()) return;
        if (!processAlive(pid)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    throw std::runtime_error("runwayd did not start on " + socketPath() + "; its output:\n" + text.str());
}

void Sandbox::killDaemon(int signal) {
    const auto pid = daemonPid();
    if (!pid) return;
    kill(*pid, signal);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (processAlive(*pid) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

} // namespace ofxhost
