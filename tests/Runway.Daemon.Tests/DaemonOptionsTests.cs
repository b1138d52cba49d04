using System.Collections;

namespace Runway.Daemon.Tests;

public sealed class DaemonOptionsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private Hashtable Env(params (string Key, string Value)[] vars)
    {
        var env = new Hashtable { ["HOME"] = _dir.Path };
        foreach (var (k, v) in vars) env[k] = v;
        return env;
    }

    [Fact]
    public void Defaults_follow_the_shared_conventions()
    {
        var o = DaemonOptions.Load([], Env(("XDG_RUNTIME_DIR", "/run/user/1000")));
        Assert.Equal("/run/user/1000/runway/runwayd.sock", o.SocketPath);
        Assert.Equal(Path.Combine(_dir.Path, ".local", "state", "runway"), o.LogDirectory);
        Assert.Equal(16384L * 16384, o.MaxFramePixels);
        Assert.Equal(Environment.ProcessorCount, o.MaxConcurrentRenders);
        Assert.Equal(16, o.MaxQueuedRenders);
        Assert.Equal(0, o.RenderDelayMs);
        Assert.False(o.Foreground);
    }

    [Fact]
    public void Without_a_runtime_dir_the_socket_is_under_tmp_per_uid()
    {
        var o = DaemonOptions.Load([], Env());
        Assert.Equal($"/tmp/runway-{Hosting.Libc.EffectiveUid}/runwayd.sock", o.SocketPath);
    }

    [Fact]
    public void File_then_environment_then_flags_each_override_the_previous()
    {
        var config = Path.Combine(_dir.Path, ".config", "runway", "runwayd.json");
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        File.WriteAllText(config, """{ "socketPath": "/from/file.sock", "maxQueuedRenders": 3, "renderDelayMs": 5, "maxConcurrentRenders": 7 }""");
        var env = Env(("RUNWAY_SOCKET", "/from/env.sock"), ("RUNWAY_RENDER_DELAY_MS", "9"));
        var o = DaemonOptions.Load(["--render-delay-ms", "11", "--foreground"], env);
        Assert.Equal("/from/env.sock", o.SocketPath);   // env beats file
        Assert.Equal(3, o.MaxQueuedRenders);            // file beats default
        Assert.Equal(7, o.MaxConcurrentRenders);
        Assert.Equal(11, o.RenderDelayMs);               // flag beats env
        Assert.True(o.Foreground);
        Assert.Equal("/from/flag.sock", DaemonOptions.Load(["--socket=/from/flag.sock"], env).SocketPath);
    }

    [Fact]
    public void Config_path_can_be_given_explicitly()
    {
        var config = _dir["custom.json"];
        File.WriteAllText(config, """{ "maxFramePixels": 100 }""");
        Assert.Equal(100, DaemonOptions.Load([], Env(("RUNWAY_CONFIG", config))).MaxFramePixels);
        Assert.Equal(100, DaemonOptions.Load(["--config", config], Env()).MaxFramePixels);
    }

    [Theory]
    [InlineData("""{ "maxQueuedRenders": "many" }""", "not a whole number")]
    [InlineData("""{ "colour": 1 }""", "unknown key 'colour'")]
    [InlineData("""[1, 2]""", "JSON object")]
    [InlineData("""{ not json""", "cannot read config file")]
    [InlineData("""{ "maxConcurrentRenders": 0 }""", "at least 1")]
    public void Bad_config_file_names_the_problem(string json, string text)
    {
        var config = _dir["bad.json"];
        File.WriteAllText(config, json);
        var e = Assert.Throws<DaemonConfigException>(() => DaemonOptions.Load(["--config", config], Env()));
        Assert.Contains(text, e.Message);
    }

    [Fact]
    public void Bad_environment_value_and_unknown_flag_are_errors()
    {
        Assert.Contains("RUNWAY_MAX_QUEUED_RENDERS", Assert.Throws<DaemonConfigException>(() =>
            DaemonOptions.Load([], Env(("RUNWAY_MAX_QUEUED_RENDERS", "x")))).Message);
        Assert.Contains("--bogus", Assert.Throws<DaemonConfigException>(() => DaemonOptions.Load(["--bogus"], Env())).Message);
        Assert.Contains("needs a value", Assert.Throws<DaemonConfigException>(() => DaemonOptions.Load(["--socket"], Env())).Message);
    }

    [Fact]
    public void Model_threads_default_to_automatic_and_come_from_file_environment_and_flag()
    {
        Assert.Equal(0, DaemonOptions.Load([], Env()).ModelThreads);
        var config = _dir["threads.json"];
        File.WriteAllText(config, """{ "modelThreads": 3 }""");
        Assert.Equal(3, DaemonOptions.Load(["--config", config], Env()).ModelThreads);
        Assert.Equal(4, DaemonOptions.Load(["--config", config], Env(("RUNWAY_MODEL_THREADS", "4"))).ModelThreads);
        Assert.Equal(1, DaemonOptions.Load(["--model-threads", "1"], Env(("RUNWAY_MODEL_THREADS", "4"))).ModelThreads);
        Assert.Contains("modelThreads must not be negative", Assert.Throws<DaemonConfigException>(() =>
            DaemonOptions.Load(["--model-threads", "-2"], Env())).Message);
        Assert.Contains("--model-threads", DaemonOptions.Usage);
    }
}
