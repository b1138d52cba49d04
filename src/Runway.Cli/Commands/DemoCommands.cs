using System.CommandLine;
using Runway.Cli.Demo;
using Runway.Cli.Media;

namespace Runway.Cli.Commands;

/// <summary><c>runway demo sample|contact-sheet</c>: the pieces of the README's demo that are not the render itself.</summary>
public static class DemoCommands
{
    public static Command Create()
    {
        var demo = new Command("demo", "Make the built-in sample shot and before/after contact sheets.");

        var sampleOut = new Option<string>("--output", "-o") { Description = "Folder that gets frames/ and masks/ (PAM, RGBA).", Required = true };
        var sampleFrames = new Option<int>("--frames") { Description = "Number of frames.", DefaultValueFactory = _ => 12 };
        var sample = new Command("sample", "Write the built-in sample shot (a boom mic dipping into a panning landscape) and its masks.")
        {
            sampleOut, sampleFrames,
        };
        sample.SetAction(result =>
        {
            var written = SampleShot.Write(result.GetValue(sampleOut)!, result.GetValue(sampleFrames));
            Console.WriteLine($"wrote {written.Count} frames and masks to {result.GetValue(sampleOut)}");
            return 0;
        });

        var before = new Option<string>("--before") { Description = "Source frames (pattern or folder).", Required = true };
        var after = new Option<string>("--after") { Description = "Rendered frames (pattern or folder).", Required = true };
        var mask = new Option<string?>("--mask") { Description = "Mask frames (pattern or folder)." };
        var sheetOut = new Option<string>("--output", "-o") { Description = "PNG to write.", Required = true };
        var sheet = new Command("contact-sheet", "Write a before / mask / after contact sheet PNG.") { before, after, mask, sheetOut };
        sheet.SetAction(result =>
        {
            var b = MediaPaths.ExpandSequence(result.GetValue(before)!);
            var a = MediaPaths.ExpandSequence(result.GetValue(after)!);
            var m = result.GetValue(mask) is { } mp ? MediaPaths.ExpandSequence(mp) : null;
            if (a.Count != b.Count) throw new InvalidDataException($"{b.Count} source frames but {a.Count} rendered frames");
            var rows = b.Select((f, i) => (f, m is not null && i < m.Count ? m[i] : null, a[i])).ToList();
            ContactSheet.Write(result.GetValue(sheetOut)!, rows);
            Console.WriteLine($"wrote {result.GetValue(sheetOut)}");
            return 0;
        });

        demo.Subcommands.Add(sample);
        demo.Subcommands.Add(sheet);
        return demo;
    }
}
