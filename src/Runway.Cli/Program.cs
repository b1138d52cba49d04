using System.CommandLine;
using Runway.Cli.Commands;

var root = new RootCommand("runway — Runway Plugins from the command line: daemon control, effects, renders.");
root.Subcommands.Add(DaemonCommands.Create());
root.Subcommands.Add(EffectsCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(ExtendCommand.Create());
root.Subcommands.Add(DemoCommands.Create());
root.Subcommands.Add(LooksCommands.Create());
root.Subcommands.Add(ModelsCommands.Create());
root.Subcommands.Add(TimelineCommands.Create());
root.Subcommands.Add(ResolveCommands.Create());
return await root.Parse(args).InvokeAsync();
