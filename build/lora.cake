// How Cake tasks reach the core: build the CLI once, then run `lora <stage>` with the pass-through
// arguments --config, --set (repeatable) and --artifacts. A non-zero exit fails the task.
public static class Lora
{
    public const string Solution = "LoraPipeline.sln";
    public const string CliProject = "src/LoraPipeline.Cli/LoraPipeline.Cli.csproj";

    public static string Configuration(ICakeContext context) => context.Argument("configuration", "Release");
    public static string ConfigPath(ICakeContext context) => context.Argument("config", "configs/default.yaml");

    public static DirectoryPath ArtifactsDirectory(ICakeContext context)
    {
        var explicitPath = context.Argument("artifacts", "");
        if (!string.IsNullOrEmpty(explicitPath)) return context.MakeAbsolute(context.Directory(explicitPath));
        var name = System.IO.Path.GetFileNameWithoutExtension(ConfigPath(context));
        return context.MakeAbsolute(context.Directory("artifacts").Path.Combine(name));
    }

    public static FilePath CliAssembly(ICakeContext context) =>
        context.MakeAbsolute(context.File($"src/LoraPipeline.Cli/bin/{Configuration(context)}/net10.0/lora.dll"));

    public static void BuildCli(ICakeContext context) =>
        context.DotNetBuild(CliProject, new DotNetBuildSettings { Configuration = Configuration(context), NoLogo = true });

    public static void RunStage(ICakeContext context, string stage)
    {
        var args = new ProcessArgumentBuilder()
            .Append(stage)
            .Append("--config").AppendQuoted(ConfigPath(context))
            .Append("--artifacts").AppendQuoted(ArtifactsDirectory(context).FullPath);
        foreach (var assignment in context.Arguments<string>("set", new string[0]))
            args.Append("--set").AppendQuoted(assignment);
        context.DotNetExecute(CliAssembly(context), args);
    }
}
