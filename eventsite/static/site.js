// Small enhancements only: every page works the same without this file.

// A summary that belongs further down the page (the answer form's) moves there first:
// without JavaScript it stays at the top, where the page opens.
for (const moving of document.querySelectorAll("[data-move-after]")) {
  document.getElementById(moving.dataset.moveAfter)?.after(moving);
}

// After a form comes back with errors, move focus to the summary so it is read first;
// a series' first dates, shown before they are made, likewise.
(document.querySelector(".error-summary") ?? document.getElementById("preview"))?.focus();

// "Copy" beside a feed address (the button stays hidden without JavaScript).
for (const button of document.querySelectorAll("button[data-copy]")) {
  const input = document.getElementById(button.dataset.copy);
  const status = document.getElementById(`${button.dataset.copy}-status`);
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = "Copied: paste it into your calendar app.";
    } catch {
      input.select();
      status.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy it.";
    }
  });
}

// The list's filters leave empty fields out of the address, so links people share stay
// short (without JavaScript the server redirects to the same short address).
for (const form of document.querySelectorAll("form.filters")) {
  form.addEventListener("formdata", (event) => {
    for (const [name, value] of [...event.formData]) {
      if (typeof value === "string" && !value.trim()) event.formData.delete(name);
    }
  });
}

// Wide screens always show the folded filters; site.css does it where ::details-content exists.
if (!CSS.supports("selector(::details-content)") && matchMedia("(width > 40rem)").matches) {
  for (const details of document.querySelectorAll("details.filter-disclosure")) details.open = true;
}
