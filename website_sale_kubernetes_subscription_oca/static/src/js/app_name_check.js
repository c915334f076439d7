/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";
import {rpc} from "@web/core/network/rpc";
import {debounce} from "@web/core/utils/timing";

/**
 * Live check of the app names on the checkout step /shop/app_name: while the
 * customer types, each field shows the address its app will get, or why the
 * name is refused. The server checks every name again on submit.
 */
publicWidget.registry.KubernetesAppNameCheck = publicWidget.Widget.extend({
    selector: ".o_kubernetes_app_name_form",
    events: {
        "input .o_kubernetes_app_name_input": "_onInput",
    },

    /**
     * @override
     */
    init() {
        this._super(...arguments);
        // Only the answer to the latest request of each field is shown.
        this._lastRequest = new Map();
        this._check = debounce(this._check.bind(this), 250);
    },

    /**
     * @override
     */
    start() {
        const def = this._super(...arguments);
        for (const input of this.el.querySelectorAll(".o_kubernetes_app_name_input")) {
            if (input.value && !input.classList.contains("is-invalid")) {
                this._check(input);
            }
        }
        return def;
    },

    //--------------------------------------------------------------------------
    // Handlers
    //--------------------------------------------------------------------------

    /**
     * @private
     * @param {InputEvent} ev
     */
    _onInput(ev) {
        this._check(ev.currentTarget);
    },

    //--------------------------------------------------------------------------
    // Private
    //--------------------------------------------------------------------------

    /**
     * Ask the server about the name of one field and show its answer.
     *
     * @private
     * @param {HTMLInputElement} input
     */
    async _check(input) {
        const lineId = parseInt(input.dataset.lineId);
        const requestId = (this._lastRequest.get(lineId) || 0) + 1;
        this._lastRequest.set(lineId, requestId);
        const result = await rpc("/shop/app_name/check", {
            name: input.value,
            line_id: lineId,
        });
        if (this._lastRequest.get(lineId) !== requestId) {
            return;
        }
        this._showResult(input, result);
    },

    /**
     * @private
     * @param {HTMLInputElement} input
     * @param {Object} result the answer of /shop/app_name/check
     */
    _showResult(input, result) {
        const feedback = this.el.querySelector(`#${input.id}_feedback`);
        input.classList.toggle("is-invalid", !result.valid);
        input.classList.toggle("is-valid", result.valid);
        feedback.classList.toggle("text-danger", !result.valid);
        feedback.classList.toggle("text-success", result.valid);
        feedback.classList.toggle("o_kubernetes_app_name_valid", result.valid);
        feedback.classList.toggle("o_kubernetes_app_name_invalid", !result.valid);
        feedback.textContent = result.message;
    },
});

export default publicWidget.registry.KubernetesAppNameCheck;
