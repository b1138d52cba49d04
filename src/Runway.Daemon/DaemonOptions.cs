using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace Runway.Daemon;

/// <summary>Configuration that could not be read; the message names the source (file, variable or flag).</summary>
public sealed class DaemonConfigException(string message) : Exception(message);

/// <summary>
/// Everything runwayd can be configured with. Sources, later wins: built-in defaults &lt; <c>~/.config/runway/runwayd.json</c>
/// &lt; environment variables <c>RUNWAY_*</c> &lt; command-line flags (see <see cref="Load"/>).
/// </summary>
public sealed record DaemonOptions
{
    /// <summary>Unix socket the daemon listens on; its directory also holds runwayd.lock and runwayd.pid.</summary>
    public string SocketPath { get; init; } = DefaultSocketPath(Environment.GetEnvironmentVariables());

    /// <summary>Directory of runwayd.log.</summary>
    public string LogDirectory { get; init; } = DefaultLogDirectory(Environment.GetEnvironmentVariables());

    /// <summary>Largest frame (width × height) accepted; bigger frames get ResourceExhausted.</summary>
    public long MaxFramePixels { get; init; } = 16384L * 16384L;

    /// <summary>Renders executing at once; more wait in the queue.</summary>
    public int MaxConcurrentRenders { get; init; } = Environment.ProcessorCount;

    /// <summary>Renders allowed to wait for a free render slot; more get ResourceExhausted at once.</summary>
    public int MaxQueuedRenders { get; init; } = 16;

    /// <summary>Fault injection for tests: every render first sleeps this long (cancellably).</summary>
    public int RenderDelayMs { get; init; }

    /// <summary>Directory that registered arena files must live in (tests may point it elsewhere).</summary>
    public string ArenaDirectory { get; init; } = "/dev/shm";

    /// <summary>Arenas registered at once, across all clients.</summary>
    public int MaxArenas { get; init; } = 64;

    /// <summary>How long a graceful stop waits for renders in flight before cancelling them.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Also log to the console (the <c>--foreground</c> flag). Hosts that start the daemon have no console.</summary>
    public bool Foreground { get; init; }

    /// <summary>
    /// Peer uid allowed to connect; null means this process's own effective uid. Only tests set it, to prove that
    /// a foreign uid is turned away.
    /// </summary>
    public uint? AllowedPeerUid { get; init; }

    /// <summary>Folder of model packs (one subfolder each); RUNWAY_MODELS_DIR, default ~/.local/share/runway/models.</summary>
    public string ModelsDirectory { get; init; } = DefaultModelsDirectory(Environment.GetEnvironmentVariables());

    /// <summary>Memory resident model sessions may take together, MiB; least recently used ones are evicted beyond it.</summary>
    public int MemoryBudgetMb { get; init; } = 4096;

    /// <summary>
    /// ONNX Runtime intra-op threads per model run (RUNWAY_MODEL_THREADS, --model-threads); 0 = automatic
    /// (<see cref="Runway.Models.Runtime.OrtSessionSettings.AutoIntraOpThreads"/>).
    /// </summary>
    public int ModelThreads { get; init; }

    /// <summary>
    /// How long runwayd waits after its last render before giving the C heap's free memory back to the kernel, once
    /// (RUNWAY_IDLE_TRIM_SECONDS, --idle-trim-seconds; fractions allowed; 0 = never). Between frames the heap keeps up to
    /// <see cref="Runway.Models.Runtime.NativeHeap.TrimThresholdBytes"/> free per arena for reuse; an idle daemon should not.
    /// </summary>
    public TimeSpan IdleTrimAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Memory extend shot's tail cache may hold, MiB (RUNWAY_TAIL_CACHE_MB, --tail-cache-mb); least recently used frames
    /// go first beyond it; 0 = none in memory. Default 1536: a default 48-frame 1080p tail fits whole.
    /// </summary>
    public int TailCacheMb { get; init; } = (int)(Runway.Effects.Engines.Extend.TailCache.DefaultCapacityBytes >> 20);

    /// <summary>
    /// Folder extend shot's finished tail frames are written to, so a tail rendered ahead of time outlives a restart
    /// (RUNWAY_TAIL_CACHE_DIR, --tail-cache-dir); default $XDG_CACHE_HOME/runway/extend-tails, else
    /// ~/.cache/runway/extend-tails.
    /// </summary>
    public string TailCacheDirectory { get; init; } = DefaultTailCacheDirectory(Environment.GetEnvironmentVariables());

    /// <summary>
    /// Disk extend shot's tail cache may take in <see cref="TailCacheDirectory"/>, MiB (RUNWAY_TAIL_CACHE_DISK_MB,
    /// --tail-cache-disk-mb); least recently used files are deleted beyond it; 0 = memory only. Default 4096.
    /// </summary>
    public int TailCacheDiskMb { get; init; } = (int)(Runway.Effects.Engines.Extend.TailCache.DefaultDiskBytes >> 20);

    /// <summary>$XDG_CACHE_HOME/runway/extend-tails, else ~/.cache/runway/extend-tails.</summary>
    public static string DefaultTailCacheDirectory(IDictionary env)
    {
        if (Get(env, "XDG_CACHE_HOME") is { Length: > 0 } cache) return Path.Combine(cache, "runway", "extend-tails");
        return Path.Combine(Home(env), ".cache", "runway", "extend-tails");
    }

    /// <summary>$XDG_DATA_HOME/runway/models, else ~/.local/share/runway/models.</summary>
    public static string DefaultModelsDirectory(IDictionary env)
    {
        if (Get(env, "XDG_DATA_HOME") is { Length: > 0 } data) return Path.Combine(data, "runway", "models");
        return Path.Combine(Home(env), ".local", "share", "runway", "models");
    }

    /// <summary>Full path of the log file.</summary>
    public string LogPath => Path.Combine(LogDirectory, "runwayd.log");

    /// <summary>The conventional socket path: RUNWAY_SOCKET, else $XDG_RUNTIME_DIR/runway/runwayd.sock, else /tmp/runway-$UID/runwayd.sock.</summary>
    public static string DefaultSocketPath(IDictionary env)
    {
        if (Get(env, "RUNWAY_SOCKET") is { Length: > 0 } socket) return socket;
        return PerUserSocketPath(env);
    }

    private static string PerUserSocketPath(IDictionary env)
    {
        if (Get(env, "XDG_RUNTIME_DIR") is { Length: > 0 } runtime) return Path.Combine(runtime, "runway", "runwayd.sock");
        return Path.Combine("/tmp", $"runway-{Hosting.Libc.EffectiveUid.ToString(CultureInfo.InvariantCulture)}", "runwayd.sock");
    }

    /// <summary>$XDG_STATE_HOME/runway, else ~/.local/state/runway.</summary>
    public static string DefaultLogDirectory(IDictionary env)
    {
        if (Get(env, "XDG_STATE_HOME") is { Length: > 0 } state) return Path.Combine(state, "runway");
        return Path.Combine(Home(env), ".local", "state", "runway");
    }

    /// <summary>$XDG_CONFIG_HOME/runway/runwayd.json, else ~/.config/runway/runwayd.json.</summary>
    public static string DefaultConfigPath(IDictionary env)
    {
        if (Get(env, "XDG_CONFIG_HOME") is { Length: > 0 } config) return Path.Combine(config, "runway", "runwayd.json");
        return Path.Combine(Home(env), ".config", "runway", "runwayd.json");
    }

    /// <summary>
    /// Builds options from every source. <paramref name="env"/> defaults to the process environment. The config file
    /// is <c>--config PATH</c>, else RUNWAY_CONFIG, else <see cref="DefaultConfigPath"/>; a missing file is fine, a
    /// malformed one is an error. Throws <see cref="DaemonConfigException"/> naming the bad source.
    /// </summary>
    public static DaemonOptions Load(IReadOnlyList<string> args, IDictionary? env = null)
    {
        env ??= Environment.GetEnvironmentVariables();
        var flags = ParseFlags(args);
        var options = new DaemonOptions { SocketPath = PerUserSocketPath(env), LogDirectory = DefaultLogDirectory(env), ModelsDirectory = DefaultModelsDirectory(env),
            TailCacheDirectory = DefaultTailCacheDirectory(env) };

        var configPath = flags.GetValueOrDefault("config") ?? Get(env, "RUNWAY_CONFIG") ?? DefaultConfigPath(env);
        if (File.Exists(configPath)) options = ApplyFile(options, configPath);

        foreach (var setting in Settings)
        {
            if (Get(env, setting.Env) is { Length: > 0 } value) options = setting.Apply(options, value, setting.Env);
        }
        foreach (var setting in Settings)
        {
            if (flags.TryGetValue(setting.Flag, out var value)) options = setting.Apply(options, value, "--" + setting.Flag);
        }
        if (flags.ContainsKey("foreground")) options = options with { Foreground = true };
        options.Validate();
        return options;
    }

    /// <summary>Throws <see cref="DaemonConfigException"/> when a value cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(SocketPath)) throw new DaemonConfigException("socket path is empty");
        if (MaxFramePixels < 1) throw new DaemonConfigException($"maxFramePixels must be positive, got {MaxFramePixels}");
        if (MaxConcurrentRenders < 1) throw new DaemonConfigException($"maxConcurrentRenders must be at least 1, got {MaxConcurrentRenders}");
        if (MaxQueuedRenders < 0) throw new DaemonConfigException($"maxQueuedRenders must not be negative, got {MaxQueuedRenders}");
        if (RenderDelayMs < 0) throw new DaemonConfigException($"renderDelayMs must not be negative, got {RenderDelayMs}");
        if (MaxArenas < 1) throw new DaemonConfigException($"maxArenas must be at least 1, got {MaxArenas}");
        if (MemoryBudgetMb < 1) throw new DaemonConfigException($"memoryBudgetMb must be at least 1, got {MemoryBudgetMb}");
        if (string.IsNullOrWhiteSpace(ModelsDirectory)) throw new DaemonConfigException("models directory is empty");
        if (ModelThreads < 0) throw new DaemonConfigException($"modelThreads must not be negative (0 = automatic), got {ModelThreads}");
        if (TailCacheMb < 0) throw new DaemonConfigException($"tailCacheMb must not be negative (0 = none in memory), got {TailCacheMb}");
        if (TailCacheDiskMb < 0) throw new DaemonConfigException($"tailCacheDiskMb must not be negative (0 = memory only), got {TailCacheDiskMb}");
        if (string.IsNullOrWhiteSpace(TailCacheDirectory)) throw new DaemonConfigException("tail cache directory is empty");
        if (IdleTrimAfter < TimeSpan.Zero) throw new DaemonConfigException($"idleTrimSeconds must not be negative (0 = never), got {IdleTrimAfter.TotalSeconds}");
    }

    /// <summary>Flag names (without "--") and the variables they override, for --help and the README.</summary>
    public static string Usage =>
        """
        usage: runwayd [--foreground] [--socket PATH] [--log-dir DIR] [--config FILE] [--max-frame-pixels N]
                       [--max-concurrent-renders N] [--max-queued-renders N] [--render-delay-ms N] [--arena-dir DIR]
                       [--max-arenas N] [--shutdown-timeout-seconds N] [--models-dir DIR] [--memory-budget-mb N]
                       [--model-threads N] [--idle-trim-seconds S] [--tail-cache-mb N] [--tail-cache-dir DIR]
                       [--tail-cache-disk-mb N]
        Config file (JSON, camelCase keys of the same names) < RUNWAY_* variables < flags:
          RUNWAY_SOCKET RUNWAY_LOG_DIR RUNWAY_CONFIG RUNWAY_MAX_FRAME_PIXELS RUNWAY_MAX_CONCURRENT_RENDERS
          RUNWAY_MAX_QUEUED_RENDERS RUNWAY_RENDER_DELAY_MS RUNWAY_ARENA_DIR RUNWAY_MAX_ARENAS RUNWAY_SHUTDOWN_TIMEOUT_SECONDS
          RUNWAY_MODELS_DIR RUNWAY_MODEL_MEMORY_MB RUNWAY_MODEL_THREADS RUNWAY_IDLE_TRIM_SECONDS
          RUNWAY_TAIL_CACHE_MB RUNWAY_TAIL_CACHE_DIR RUNWAY_TAIL_CACHE_DISK_MB
        --idle-trim-seconds: after this long with no render (default 30; fractions allowed; 0 = never), free native heap
          memory kept for reuse between frames is given back to the kernel, once per idle spell.
        --tail-cache-mb, --tail-cache-dir, --tail-cache-disk-mb: extend shot's rendered tail frames, kept in memory (MiB,
          default 1536) and as checksummed files in DIR (default $XDG_CACHE_HOME/runway/extend-tails, MiB default 4096;
          0 = memory only) so a tail rendered ahead of time survives a restart; least recently used go first.
        """;

    private sealed record Setting(string Key, string Env, string Flag, Func<DaemonOptions, string, string, DaemonOptions> Apply);

    // One table drives the file keys, variables and flags, so the three sources can never disagree on names.
    private static readonly Setting[] Settings =
    [
        new("socketPath", "RUNWAY_SOCKET", "socket", (o, v, _) => o with { SocketPath = v }),
        new("logDirectory", "RUNWAY_LOG_DIR", "log-dir", (o, v, _) => o with { LogDirectory = v }),
        new("maxFramePixels", "RUNWAY_MAX_FRAME_PIXELS", "max-frame-pixels", (o, v, s) => o with { MaxFramePixels = ParseLong(v, s) }),
        new("maxConcurrentRenders", "RUNWAY_MAX_CONCURRENT_RENDERS", "max-concurrent-renders", (o, v, s) => o with { MaxConcurrentRenders = ParseInt(v, s) }),
        new("maxQueuedRenders", "RUNWAY_MAX_QUEUED_RENDERS", "max-queued-renders", (o, v, s) => o with { MaxQueuedRenders = ParseInt(v, s) }),
        new("renderDelayMs", "RUNWAY_RENDER_DELAY_MS", "render-delay-ms", (o, v, s) => o with { RenderDelayMs = ParseInt(v, s) }),
        new("arenaDirectory", "RUNWAY_ARENA_DIR", "arena-dir", (o, v, _) => o with { ArenaDirectory = v }),
        new("maxArenas", "RUNWAY_MAX_ARENAS", "max-arenas", (o, v, s) => o with { MaxArenas = ParseInt(v, s) }),
        new("shutdownTimeoutSeconds", "RUNWAY_SHUTDOWN_TIMEOUT_SECONDS", "shutdown-timeout-seconds",
            (o, v, s) => o with { ShutdownTimeout = TimeSpan.FromSeconds(ParseInt(v, s)) }),
        new("modelsDirectory", "RUNWAY_MODELS_DIR", "models-dir", (o, v, _) => o with { ModelsDirectory = v }),
        new("memoryBudgetMb", "RUNWAY_MODEL_MEMORY_MB", "memory-budget-mb", (o, v, s) => o with { MemoryBudgetMb = ParseInt(v, s) }),
        new("modelThreads", "RUNWAY_MODEL_THREADS", "model-threads", (o, v, s) => o with { ModelThreads = ParseInt(v, s) }),
        new("tailCacheMb", "RUNWAY_TAIL_CACHE_MB", "tail-cache-mb", (o, v, s) => o with { TailCacheMb = ParseInt(v, s) }),
        new("tailCacheDirectory", "RUNWAY_TAIL_CACHE_DIR", "tail-cache-dir", (o, v, _) => o with { TailCacheDirectory = v }),
        new("tailCacheDiskMb", "RUNWAY_TAIL_CACHE_DISK_MB", "tail-cache-disk-mb", (o, v, s) => o with { TailCacheDiskMb = ParseInt(v, s) }),
        new("idleTrimSeconds", "RUNWAY_IDLE_TRIM_SECONDS", "idle-trim-seconds", (o, v, s) => o with { IdleTrimAfter = ParseSeconds(v, s) }),
    ];

    private static DaemonOptions ApplyFile(DaemonOptions options, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new DaemonConfigException($"cannot read config file {path}: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new DaemonConfigException($"config file {path} must hold a JSON object");
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                var setting = Settings.FirstOrDefault(s => string.Equals(s.Key, property.Name, StringComparison.OrdinalIgnoreCase))
                    ?? throw new DaemonConfigException(
                        $"config file {path}: unknown key '{property.Name}'; known: {string.Join(", ", Settings.Select(s => s.Key))}");
                var text = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Number => property.Value.GetRawText(),
                    _ => throw new DaemonConfigException($"config file {path}: '{property.Name}' must be a string or a number"),
                };
                options = setting.Apply(options, text, $"{path}: {property.Name}");
            }
        }
        return options;
    }

    private static Dictionary<string, string> ParseFlags(IReadOnlyList<string> args)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new DaemonConfigException($"unexpected argument '{arg}'\n{Usage}");
            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            if (name == "foreground")
            {
                flags[name] = "true";
                continue;
            }
            if (name != "config" && Settings.All(s => s.Flag != name))
                throw new DaemonConfigException($"unknown flag '--{name}'\n{Usage}");
            if (value is null)
            {
                if (i + 1 >= args.Count) throw new DaemonConfigException($"flag '--{name}' needs a value");
                value = args[++i];
            }
            flags[name] = value;
        }
        return flags;
    }

    private static long ParseLong(string value, string source) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new DaemonConfigException($"{source}: '{value}' is not a whole number");

    private static int ParseInt(string value, string source) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new DaemonConfigException($"{source}: '{value}' is not a whole number");

    private static TimeSpan ParseSeconds(string value, string source) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds <= TimeSpan.MaxValue.TotalSeconds / 2
            ? TimeSpan.FromSeconds(seconds)
            : throw new DaemonConfigException($"{source}: '{value}' is not a number of seconds");

    private static string? Get(IDictionary env, string name) => env.Contains(name) ? env[name] as string : null;

    private static string Home(IDictionary env) =>
        Get(env, "HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
}
