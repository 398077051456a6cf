"""Reading content files: Markdown (with front matter) -> the document model.

One module per stage, in the order a file goes through them:

- `source`: the file's bytes -> text (UTF-8, BOM, line endings);
- `frontmatter`: the YAML block at the top -> `Meta` (with `yamlsource`: YAML with lines);
- `mdext`: deckgen's Python-Markdown extension (fenced blocks, ``:::`` divs, source lines);
- `tree`: the element tree -> slides and blocks; `inline`: runs of text; `charts`: chart
  blocks; `pictures`: where pictures come from and the check of a picture file;
- `project`: the project root a file's pictures must stay inside;
- `pipeline`: `read_document`, the stages in order.
"""

from .pipeline import read_document
from .project import find_project_root

__all__ = ["find_project_root", "read_document"]
