// Shows Derivation.ToMarkdown() as a page: its headings, its paragraphs, and each $$…$$ (one equation a
// line) or inline $…$ as a typeset formula, by KaTeX (lib/katex, MIT licence). A formula KaTeX cannot
// read is shown in red as its source (class katex-error), which scripts/check_browser.py looks for.
window.skipnet = {
    showDerivation(element, markdown) {
        const typeset = (latex, displayMode) => {
            const node = document.createElement(displayMode ? "div" : "span");
            katex.render(latex, node, { displayMode, throwOnError: false });
            return node;
        };
        element.replaceChildren();
        // Each heading's equations go in a section of their own; the given values (one short equation
        // each) run side by side.
        let section = element;
        for (const line of markdown.split("\n").map(l => l.trim()).filter(l => l !== "")) {
            let node;
            if (line.startsWith("#")) {
                const heading = document.createElement("h3");
                heading.textContent = line.replace(/^#+ /, "");
                section = document.createElement("div");
                section.className = heading.textContent === "Given" ? "section given" : "section";
                element.append(heading, section);
                continue;
            } else if (line.startsWith("$$") && line.endsWith("$$")) {
                node = typeset(line.slice(2, -2), true);
                node.className = "equation";
            } else {
                // Text with inline formulas: the odd pieces between dollar signs are LaTeX.
                node = document.createElement("p");
                line.split("$").forEach((piece, i) => node.append(i % 2 === 1 ? typeset(piece, false) : piece));
            }
            (line.startsWith("$$") ? section : element).append(node);
        }
    },
};
