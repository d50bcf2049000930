using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Jint;
using Jint.Runtime;

namespace LoraPipeline.ChatTemplates;

/// <summary>
/// Renders Hugging Face chat templates in-process with <c>@huggingface/jinja</c> (the Jinja engine of transformers.js, written
/// against the Hub's real templates: loops, <c>namespace</c>, slicing, <c>raise_exception</c>, python string methods,
/// <c>tojson</c>/<c>trim</c> filters) run by the Jint JavaScript interpreter. No .NET Jinja is served and the Liquid engines
/// (Fluid, Scriban, DotLiquid) differ from Jinja exactly where chat templates live, so the real engine is embedded instead
/// of a hand-written one. One instance parses one template; it is not thread-safe.
/// </summary>
internal sealed class JinjaEngine
{
    private const string BundleResource = "jinja/huggingface-jinja.cjs";
    private static readonly Lazy<Prepared<Acornima.Ast.Script>> Bundle = new(() =>
    {
        using var stream = typeof(JinjaEngine).Assembly.GetManifestResourceStream(BundleResource)
            ?? throw new ChatTemplateException($"this build has no Jinja engine ({BundleResource} was not embedded: npm was missing when {typeof(JinjaEngine).Assembly.GetName().Name} was built); install Node 20+ with npm and rebuild, or set model.prompt_format to a family format (plain, llama2, llama3, mistral, chatml)");
        using var reader = new StreamReader(stream);
        return Engine.PrepareScript(reader.ReadToEnd(), "huggingface-jinja.cjs");
    });

    private readonly Engine _engine;
    private readonly string _source;

    /// <summary>Parses <paramref name="template"/>; <paramref name="source"/> names it in errors (a file path).</summary>
    public JinjaEngine(string template, string source)
    {
        _source = source;
        _engine = new Engine(options => options
            .Culture(CultureInfo.InvariantCulture)
            .LimitRecursion(1000)
            .TimeoutInterval(TimeSpan.FromSeconds(30)));
        _engine.Execute("var module = { exports: {} }; var exports = module.exports;");
        _engine.Execute(Bundle.Value);
        // The variables cross as JSON, so they are plain JS values exactly as the oracle (Node) builds them.
        _engine.Execute("var __render; function __parse(text) { var t = new module.exports.Template(text); __render = function (json) { return t.render(JSON.parse(json)); }; }");
        try
        {
            _engine.Invoke("__parse", template);
        }
        catch (JavaScriptException e)
        {
            throw new ChatTemplateException($"{source}: the chat template does not parse as Jinja: {e.Message}", e);
        }
    }

    /// <summary>Renders the template with the variables of <paramref name="context"/> (JSON: <c>messages</c>,
    /// <c>add_generation_prompt</c>, <c>bos_token</c>, ...); a template's <c>raise_exception</c> becomes a <see cref="ChatTemplateException"/>.</summary>
    public string Render(JsonObject context)
    {
        try
        {
            var result = _engine.Invoke("__render", context.ToJsonString());
            return result.IsString() ? result.AsString() : result.ToString();
        }
        catch (JavaScriptException e)
        {
            throw new ChatTemplateException($"{_source}: the chat template raised: {e.Message}", e);
        }
        catch (Exception e) when (e is TimeoutException or RecursionDepthOverflowException or StatementsCountOverflowException)
        {
            throw new ChatTemplateException($"{_source}: rendering the chat template did not finish ({e.Message})", e);
        }
    }
}
