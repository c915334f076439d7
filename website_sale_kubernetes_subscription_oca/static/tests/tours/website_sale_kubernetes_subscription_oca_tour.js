/** @odoo-module **/

import {registry} from "@web/core/registry";
import * as tourUtils from "@website_sale/js/tours/tour_utils";

/**
 * A signed-in customer buys the demo app: product page, cart, the app name
 * step (a refused name shows its reason, a good one its address), payment
 * with the demo provider, confirmation page.
 */
registry
    .category("web_tour.tours")
    .add("website_sale_kubernetes_subscription_oca_buy_app", {
        url: "/shop",
        steps: () => [
            ...tourUtils.searchProduct("Odoo App", {select: true}),
            {
                content: "The product page says the app is named at checkout",
                trigger:
                    ".o_kubernetes_app_product_hint:contains(shop-tour.example.com)",
            },
            {
                content: "Add the app to the cart",
                trigger: "#product_detail form #add_to_cart",
                run: "click",
            },
            tourUtils.goToCart(),
            tourUtils.goToCheckout(),
            {
                content: "The checkout asks for the app name",
                trigger: "h3:contains(Name your app)",
            },
            {
                content: "Type a name that is not a DNS label",
                trigger: "input.o_kubernetes_app_name_input",
                run: "edit my_app!",
            },
            {
                content: "The page says why the name is refused",
                trigger: ".o_kubernetes_app_name_invalid:contains(is not valid)",
            },
            {
                content: "Type a reserved name",
                trigger: "input.o_kubernetes_app_name_input",
                run: "edit admin",
            },
            {
                content: "The page says the name is reserved",
                trigger: ".o_kubernetes_app_name_invalid:contains(is reserved)",
            },
            {
                content: "Type a good name",
                trigger: "input.o_kubernetes_app_name_input",
                run: "edit tour-app",
            },
            {
                content: "The page shows the address of the app",
                trigger:
                    ".o_kubernetes_app_name_valid:contains(tour-app.shop-tour.example.com)",
            },
            {
                content: "Continue to the payment",
                trigger: "button[name=o_kubernetes_app_name_submit]",
                run: "click",
                expectUnloadPage: true,
            },
            ...tourUtils.payWithDemo(),
            {
                content: "The confirmation page tells where the app will run",
                trigger:
                    ".o_kubernetes_app_confirmation:contains(https://tour-app.shop-tour.example.com)",
            },
        ],
    });

/**
 * A guest puts the app in the cart, is asked for an account, signs up, comes
 * back to the cart, gives an address and an app name, and pays.
 */
registry
    .category("web_tour.tours")
    .add("website_sale_kubernetes_subscription_oca_sign_up", {
        url: "/shop",
        steps: () => [
            ...tourUtils.searchProduct("Odoo App", {select: true}),
            {
                content: "Add the app to the cart",
                trigger: "#product_detail form #add_to_cart",
                run: "click",
            },
            tourUtils.goToCart(),
            {
                content: "The cart asks a guest for an account",
                trigger: ".o_kubernetes_login_required a:contains(Create an account)",
                run: "click",
                expectUnloadPage: true,
            },
            {
                content: "Email",
                trigger: "form.oe_signup_form input[name=login]",
                run: "edit new.customer@shop-tour.example.com",
            },
            {
                content: "Name",
                trigger: "form.oe_signup_form input[name=name]",
                run: "edit New Customer",
            },
            {
                content: "Password",
                trigger: "form.oe_signup_form input[name=password]",
                run: "edit new-customer-secret-1",
            },
            {
                content: "Password again",
                trigger: "form.oe_signup_form input[name=confirm_password]",
                run: "edit new-customer-secret-1",
            },
            {
                content: "Sign up",
                trigger: "form.oe_signup_form button[type=submit]",
                run: "click",
                expectUnloadPage: true,
            },
            {
                content: "Back in the cart, signed in",
                trigger:
                    "h3:contains(Order overview):not(:has(.o_kubernetes_login_required))",
            },
            {
                content: "The cart still holds the app",
                trigger:
                    "#cart_products a:contains(Odoo App), .o_cart_product a:contains(Odoo App), a:contains(Odoo App)",
            },
            tourUtils.goToCheckout(),
            ...tourUtils.fillAdressForm(
                {
                    name: "New Customer",
                    phone: "+32 2 000 00 00",
                    email: "new.customer@shop-tour.example.com",
                    street: "Rue de la Loi 1",
                    city: "Bruxelles",
                    zip: "1000",
                },
                true
            ),
            {
                content: "Type a good name",
                trigger: "input.o_kubernetes_app_name_input",
                run: "edit new-app",
            },
            {
                content: "The page shows the address of the app",
                trigger:
                    ".o_kubernetes_app_name_valid:contains(new-app.shop-tour.example.com)",
            },
            {
                content: "Continue to the payment",
                trigger: "button[name=o_kubernetes_app_name_submit]",
                run: "click",
                expectUnloadPage: true,
            },
            ...tourUtils.payWithDemo(),
            {
                content: "The confirmation page tells where the app will run",
                trigger:
                    ".o_kubernetes_app_confirmation:contains(https://new-app.shop-tour.example.com)",
            },
        ],
    });
