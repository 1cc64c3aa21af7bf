/* The panel's widgets, on top of the server-rendered forms (which work without this file):
   - searchable pickers with a chip per chosen row (Tom Select) for <select data-simpul-picker>;
   - date fields that show and take dd/mm/yyyy (hh:mm WIB), whatever the browser's language, and
     post the ISO value in a hidden field (admin/templates/widgets/inputs/input.html), with a
     calendar (flatpickr, Indonesian or English like the page);
   - long texts printed whole.
   Texts come from the page (<script id="simpul-texts">, admin/templates/base.html). */
(function () {
    "use strict";

    var texts = {};
    try {
        texts = JSON.parse(document.getElementById("simpul-texts").textContent);
    } catch (e) { /* a page without texts keeps the English fallbacks below */ }

    function text(key, fallback) {
        return texts[key] || fallback;
    }

    function escapeHtml(value) {
        return String(value).replace(/[&<>"']/g, function (c) {
            return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
        });
    }

    // --- pickers ------------------------------------------------------------------------------

    function countLabel(n) {
        return text("chosen_count", "%(n)s chosen").replace("%(n)s", n);
    }

    /* An option labelled "MOU/32.15/2018 · Kabupaten Karawang · 16/05/2018" (admin/choices.py) shows its
       first part as the name and the rest as detail in grey; the search still matches every part. */
    function labelHtml(label) {
        var parts = String(label).split(" · ");
        if (parts.length < 2) {
            return escapeHtml(label);
        }
        return '<span class="picker-name">' + escapeHtml(parts[0]) + '</span> <span class="picker-detail">' +
            escapeHtml(parts.slice(1).join(" · ")) + "</span>";
    }

    function showCount(select) {
        var count = document.querySelector('[data-count-for="' + select.id + '"]');
        if (count) {
            count.textContent = countLabel(select.selectedOptions.length);
        }
    }

    function makePicker(select) {
        if (select.tomselect || typeof TomSelect === "undefined") {
            return;
        }
        var many = select.multiple;
        var settings = {
            maxOptions: null,              // every row can be found (176 apps), not the first 50
            allowEmptyOption: !many,       // "Semua" / "—" stay choosable in a single choice
            closeAfterSelect: !many,
            hideSelected: many,            // a chosen row is a chip; it leaves the list, so no click can drop it
            selectOnTab: false,
            placeholder: many ? text("picker_placeholder", "Type to search…") : undefined,
            render: {
                option: function (data) {
                    return "<div>" + labelHtml(data.text) + "</div>";
                },
                item: function (data) {
                    return "<div>" + labelHtml(data.text) + "</div>";
                },
                no_results: function () {
                    return '<div class="no-results">' + escapeHtml(text("no_results", "No matches")) + "</div>";
                }
            }
        };
        if (many) {
            // Chips leave by their own × only: no Backspace that eats the last chip, no "clear all".
            settings.plugins = {
                remove_button: {title: text("remove", "Remove")},
                no_backspace_delete: {}
            };
            settings.onItemAdd = function () {
                // Keep the list open for the next choice, the search box emptied.
                this.setTextboxValue("");
                this.refreshOptions(false);
            };
            settings.onChange = function () {
                showCount(select);
            };
        } else {
            settings.plugins = {dropdown_input: {}};
        }
        var picker = new TomSelect(select, settings);
        if (many && select.disabled) {
            picker.disable();
        }
    }

    // --- dates --------------------------------------------------------------------------------

    var DAY = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2})[:.](\d{2}))?\s*$/;

    function pad(n) {
        return (n < 10 ? "0" : "") + n;
    }

    /* "17/08/2026" → "2026-08-17", "17/08/2026 09:30" → "2026-08-17T09:30" (timed), "" → "",
       anything else → null. */
    function isoOf(shown, timed) {
        if (shown.trim() === "") {
            return "";
        }
        var m = DAY.exec(shown);
        if (!m || (m[4] !== undefined && !timed)) {
            return null;
        }
        var day = +m[1], month = +m[2], year = +m[3];
        var check = new Date(Date.UTC(year, month - 1, day));
        if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
            return null;  // 31/02/2026
        }
        var iso = year + "-" + pad(month) + "-" + pad(day);
        if (!timed) {
            return iso;
        }
        var hour = m[4] === undefined ? 0 : +m[4], minute = m[5] === undefined ? 0 : +m[5];
        if (hour > 23 || minute > 59) {
            return null;
        }
        return iso + "T" + pad(hour) + ":" + pad(minute);
    }

    function rangeIsoOf(shown) {
        if (shown.trim() === "") {
            return "";
        }
        var parts = shown.split(/\s+-\s+|\s*–\s*/);
        if (parts.length !== 2) {
            return null;
        }
        var from = isoOf(parts[0], false), to = isoOf(parts[1], false);
        return from && to ? from + " - " + to : null;
    }

    function shownOf(date, timed) {
        var day = pad(date.getDate()) + "/" + pad(date.getMonth() + 1) + "/" + date.getFullYear();
        return timed ? day + " " + pad(date.getHours()) + ":" + pad(date.getMinutes()) : day;
    }

    function makeDateField(input) {
        var kind = input.getAttribute("data-simpul-date");
        var timed = kind === "datetime";
        var hidden = document.getElementById(input.getAttribute("data-iso"));
        if (!hidden) {
            return;
        }

        /* The hidden field follows what is typed. Text that is no date is sent as typed, so the
           server refuses it with its message: it is never silently sent as "no date". */
        function sync() {
            var iso = kind === "range" ? rangeIsoOf(input.value) : isoOf(input.value, timed);
            hidden.value = iso === null ? input.value.trim() : iso;
            input.setCustomValidity(iso === null ? text(timed ? "datetime_invalid" : "date_invalid", "dd/mm/yyyy?") : "");
        }

        input.addEventListener("input", sync);
        input.addEventListener("change", sync);
        if (input.form) {
            input.form.addEventListener("submit", sync);
        }

        var button = document.querySelector('.simpul-date-button[data-for="' + input.id + '"]');
        if (!button || input.disabled || typeof flatpickr === "undefined") {
            return;
        }
        var english = (document.documentElement.lang || "id").slice(0, 2) === "en";
        var calendar = flatpickr(document.createElement("input"), {
            locale: english ? "default" : (flatpickr.l10ns.id || "default"),
            mode: kind === "range" ? "range" : "single",
            enableTime: timed,
            time_24hr: true,
            allowInput: false,
            clickOpens: false,
            disableMobile: true,           // a phone's own date field would show the phone's format again
            positionElement: input,
            onChange: function (dates) {
                if (kind === "range") {
                    if (dates.length === 2) {
                        input.value = shownOf(dates[0], false) + " - " + shownOf(dates[1], false);
                        sync();
                    }
                } else if (dates.length) {
                    input.value = shownOf(dates[0], timed);
                    sync();
                }
            },
            onClose: function () {
                input.focus();
            }
        });
        button.hidden = false;
        button.addEventListener("click", function () {
            // The calendar opens on what the field holds now (typed or picked).
            var iso = hidden.value;
            if (kind === "range") {
                var parts = iso.split(" - ");
                if (parts.length === 2) {
                    calendar.setDate([parts[0].slice(0, 10), parts[1].slice(0, 10)], false, "Y-m-d");
                }
            } else if (/^\d{4}-\d{2}-\d{2}/.test(iso)) {
                calendar.setDate(iso.slice(0, 16).replace("T", " "), false, timed ? "Y-m-d H:i" : "Y-m-d");
            }
            calendar.open();
        });
    }

    // --- print --------------------------------------------------------------------------------

    // A long report in a small text box would print cut off: grow every text box to its text first.
    window.addEventListener("beforeprint", function () {
        document.querySelectorAll("textarea").forEach(function (area) {
            area.style.height = "auto";
            area.style.height = area.scrollHeight + 4 + "px";
        });
    });

    function start() {
        document.querySelectorAll("select[data-simpul-picker]").forEach(makePicker);
        document.querySelectorAll("input[data-simpul-date]").forEach(makeDateField);
        document.documentElement.setAttribute("data-simpul-widgets", "ready");
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
