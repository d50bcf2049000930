using System.Globalization;
using LoraPipeline.DatasetGenerator.Model;

namespace LoraPipeline.DatasetGenerator.Writers;

/// <summary>Renders the dataset's README.md; generated so that its counts can never drift from the files.</summary>
public static class ReadmeWriter
{
    /// <summary>The README.md text.</summary>
    public static string Render(Dataset dataset)
    {
        string Count(QaKind kind) => dataset.Pairs.Count(pair => pair.Kind == kind).ToString(CultureInfo.InvariantCulture);
        var groups = dataset.Pairs.Select(pair => pair.Group).Distinct().Count();
        return $$"""
            # The `{{dataset.Name}}` dataset

            {{dataset.Description}}

            Acme, its products, offices, people and policies are fictional. Any resemblance to a real company is accidental.

            ## Contents

            | file | holds |
            | --- | --- |
            | `documents/*.md` | {{dataset.Documents.Count}} plain-Markdown documents; a document's id is its file name without `.md` |
            | `qa.jsonl` | {{dataset.Pairs.Count}} question/answer pairs in {{groups}} paraphrase groups, one JSON object per line |
            | `dataset.json` | name, description, the refusal answer and the counts |

            The documents are HR, IT and security policies, step-by-step procedures, product specifications of
            gateways and sensors, release notes of a web application and office site guides. Several are deliberately
            alike (six gateway spec sheets with the same layout and different numbers, eight release notes) so that
            retrieval has to tell near-duplicates apart.

            ## Question/answer fields

            | field | meaning |
            | --- | --- |
            | `id` | stable unique id: the group id and the paraphrase number |
            | `question` | the question |
            | `answer` | a short extractive answer: an exact span of the source document; for `multi`, one span per source joined with ` and `, in source order; for `unanswerable`, the refusal answer |
            | `source` | ids of the documents holding the answer; empty for `unanswerable` |
            | `group` | shared by paraphrases of one question; keep a group inside one split so that no paraphrase of a test question is trained on |
            | `kind` | `single` ({{Count(QaKind.Single)}} pairs), `multi` ({{Count(QaKind.Multi)}} pairs, answer combines two documents) or `unanswerable` ({{Count(QaKind.Unanswerable)}} pairs) |

            Unanswerable questions ask plausible things the documents do not state (a model that does not exist, a
            price no document gives) and are answered with exactly:

            > {{dataset.RefusalAnswer}}

            ## Generation

            Every file here is written by `{{MetadataWriter.GeneratorPath}}` from facts held as data in its `Facts/`
            folder: answers are taken from the same values that are rendered into the documents, so each answer is
            guaranteed to be a span of its source, and the generator refuses to write a dataset where that fails.
            The output is deterministic (a fixed seed for the few random choices, stable ordering, UTF-8 without BOM,
            `\n` line endings). To regenerate after editing the facts:

            ```
            dotnet run --project {{MetadataWriter.GeneratorPath}} -c Release -- --out datasets/{{dataset.Name}}
            ```

            The tests in `tests/LoraPipeline.Tests/Data/ShippedDatasetTests.cs` check these properties and that the
            committed files equal the generator's output byte for byte.

            ## Licence

            Written by the LoraPipeline project and dedicated to the public domain under CC0 1.0
            (https://creativecommons.org/publicdomain/zero/1.0/). No third-party text is included.
            """ + "\n";
    }
}
