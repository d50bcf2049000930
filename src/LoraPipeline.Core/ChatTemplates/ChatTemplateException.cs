using LoraPipeline.Pipeline;

namespace LoraPipeline.ChatTemplates;

/// <summary>A chat template that cannot be found, parsed or rendered (its message names the file and says why): a stage error,
/// shown as one line by the stages and the CLI.</summary>
internal sealed class ChatTemplateException(string message, Exception? inner = null) : StageException(message, inner);
