Rails.application.routes.draw do
  resources :subscriptions, only: %i[show create] do
    post :renew, on: :member
  end
end
